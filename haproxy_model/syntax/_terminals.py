"""The grammar's terminal patterns, as Lark compiles them (generated: do not edit).

Written by ``tools/gen_terminals.py`` from ``grammar/haproxy.lark``; used only while
``GRAMMAR_CHECKSUM`` matches that file (see ``_grammar.terminals``).
"""

GRAMMAR_CHECKSUM = "5488:b9fe7c3b"

TERMINALS: dict[str, str] = {
    "BARE_RUN": "[^ \t\x0b\x0c\r\n#\"'\\\\\x00]+",
    "COMMENT": "#[^\r\n]*",
    "DOT_WORD": '\\.(?:(?:[^ \t\x0b\x0c\r\n#"\'\\\\\x00]+(?:(?:"(?:[^"\\\\$\r\n\x00]+)?(?:(?:(?:\\$\\{(?:[A-Za-z_][A-Za-z0-9_]*|\\.(?:LINE|FILE|SECTION)(?![A-Za-z0-9_]))(?:\\[\\*\\])?(?:-[^}\r\n]*)?\\}|\\$(?:[A-Za-z_][A-Za-z0-9_]*|\\.(?:LINE|FILE|SECTION)(?![A-Za-z0-9_])))|\\\\(?:x[0-9A-Fa-f]{2}|[ \\\\tnr#\'"$])|\\\\(?![x \\\\tnr#\'"$]))(?:[^"\\\\$\r\n\x00]+)?)*"|\'[^\'\r\n]*\'|\\\\(?:x[0-9A-Fa-f]{2}|[ \\\\tnr#\'"])|\\\\(?![x \\\\tnr#\'"]))(?:[^ \t\x0b\x0c\r\n#"\'\\\\\x00]+)?)*|(?:(?:"(?:[^"\\\\$\r\n\x00]+)?(?:(?:(?:\\$\\{(?:[A-Za-z_][A-Za-z0-9_]*|\\.(?:LINE|FILE|SECTION)(?![A-Za-z0-9_]))(?:\\[\\*\\])?(?:-[^}\r\n]*)?\\}|\\$(?:[A-Za-z_][A-Za-z0-9_]*|\\.(?:LINE|FILE|SECTION)(?![A-Za-z0-9_])))|\\\\(?:x[0-9A-Fa-f]{2}|[ \\\\tnr#\'"$])|\\\\(?![x \\\\tnr#\'"$]))(?:[^"\\\\$\r\n\x00]+)?)*"|\'[^\'\r\n]*\'|\\\\(?:x[0-9A-Fa-f]{2}|[ \\\\tnr#\'"])|\\\\(?![x \\\\tnr#\'"]))(?:[^ \t\x0b\x0c\r\n#"\'\\\\\x00]+)?)+))?',  # noqa: E501
    "DQUOTE": '"',
    "DQ_ESCAPE": "\\\\(?:x[0-9A-Fa-f]{2}|[ \\\\tnr#'\"$])",
    "DQ_LONE_BACKSLASH": "\\\\(?![x \\\\tnr#'\"$])",
    "DQ_RUN": '[^"\\\\$\r\n\x00]+',
    "ELIF": "[ \t\x0b\x0c]*\\.elif(?![^ \t\x0b\x0c\r\n#])",
    "ELSE": "[ \t\x0b\x0c]*\\.else(?![^ \t\x0b\x0c\r\n#])",
    "ENDIF": "[ \t\x0b\x0c]*\\.endif(?![^ \t\x0b\x0c\r\n#])",
    "ENV_VAR": "(?:\\$\\{(?:[A-Za-z_][A-Za-z0-9_]*|\\.(?:LINE|FILE|SECTION)(?![A-Za-z0-9_]))(?:\\[\\*\\])?(?:-[^}\r\n]*)?\\}|\\$(?:[A-Za-z_][A-Za-z0-9_]*|\\.(?:LINE|FILE|SECTION)(?![A-Za-z0-9_])))",  # noqa: E501
    "EOL": "\n|\r[^\n]*\n",
    "ESCAPE": "\\\\(?:x[0-9A-Fa-f]{2}|[ \\\\tnr#'\"])",
    "IF": "[ \t\x0b\x0c]*\\.if(?![^ \t\x0b\x0c\r\n#])",
    "LONE_BACKSLASH": "\\\\(?![x \\\\tnr#'\"])",
    "MESSAGE_KEYWORD": "\\.(?:diag|notice|warning|alert)(?![^ \t\x0b\x0c\r\n#])",
    "SCOPE": "\\[[^\r\n]*",
    "SECTION_KEYWORD": "(?:global|defaults|frontend|backend|listen|userlist|peers|resolvers|mailers|cache|program|http-errors|ring|log-forward|log-profile|fcgi-app|crt-store|traces|acme|namespace_list|healthcheck|spoe-agent|spoe-group|spoe-message)(?![^ \t\x0b\x0c\r\n#])",  # noqa: E501
    "SQUOTED": "'[^'\r\n]*'",
    "WORD": '(?:[^ \t\x0b\x0c\r\n#"\'\\\\\x00]+(?:(?:"(?:[^"\\\\$\r\n\x00]+)?(?:(?:(?:\\$\\{(?:[A-Za-z_][A-Za-z0-9_]*|\\.(?:LINE|FILE|SECTION)(?![A-Za-z0-9_]))(?:\\[\\*\\])?(?:-[^}\r\n]*)?\\}|\\$(?:[A-Za-z_][A-Za-z0-9_]*|\\.(?:LINE|FILE|SECTION)(?![A-Za-z0-9_])))|\\\\(?:x[0-9A-Fa-f]{2}|[ \\\\tnr#\'"$])|\\\\(?![x \\\\tnr#\'"$]))(?:[^"\\\\$\r\n\x00]+)?)*"|\'[^\'\r\n]*\'|\\\\(?:x[0-9A-Fa-f]{2}|[ \\\\tnr#\'"])|\\\\(?![x \\\\tnr#\'"]))(?:[^ \t\x0b\x0c\r\n#"\'\\\\\x00]+)?)*|(?:(?:"(?:[^"\\\\$\r\n\x00]+)?(?:(?:(?:\\$\\{(?:[A-Za-z_][A-Za-z0-9_]*|\\.(?:LINE|FILE|SECTION)(?![A-Za-z0-9_]))(?:\\[\\*\\])?(?:-[^}\r\n]*)?\\}|\\$(?:[A-Za-z_][A-Za-z0-9_]*|\\.(?:LINE|FILE|SECTION)(?![A-Za-z0-9_])))|\\\\(?:x[0-9A-Fa-f]{2}|[ \\\\tnr#\'"$])|\\\\(?![x \\\\tnr#\'"$]))(?:[^"\\\\$\r\n\x00]+)?)*"|\'[^\'\r\n]*\'|\\\\(?:x[0-9A-Fa-f]{2}|[ \\\\tnr#\'"])|\\\\(?![x \\\\tnr#\'"]))(?:[^ \t\x0b\x0c\r\n#"\'\\\\\x00]+)?)+)',  # noqa: E501
    "WS": "[ \t\x0b\x0c]+",
}
