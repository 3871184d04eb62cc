"""The configuration a user gets: the lossless :class:`~haproxy_model.syntax.document.Document`
with typed views of its sections (``cfg.backends["app"]``, ``cfg.global_``...)."""

from __future__ import annotations

from haproxy_model.model import typed_sections as ts
from haproxy_model.model.config_views import (
    DefaultsList,
    SectionMap,
    add_section,
    remove_section,
)
from haproxy_model.model.many import add_to_file
from haproxy_model.syntax.document import Document
from haproxy_model.syntax.nodes import Node
from haproxy_model.syntax.render import dumps
from haproxy_model.syntax.sections import Section

__all__ = ["Config"]


class Config(Document):
    """A parsed or built HAProxy configuration.

    ``body`` holds the top-level nodes in file order: lines before the first
    section, sections, and `.if` blocks that contain sections.  ``sections``
    lists every section in file order, including those inside `.if` blocks.
    """

    __slots__ = ()

    # -- typed access --------------------------------------------------------
    @property
    def global_(self) -> ts.Global | None:
        """The ``global`` section (the first one), or None."""
        return next((s for s in self.sections if isinstance(s, ts.Global)), None)

    @property
    def defaults(self) -> DefaultsList:
        """The ``defaults`` sections in file order, also by name."""
        return DefaultsList(self)

    @property
    def frontends(self) -> SectionMap[ts.Frontend]:
        """``frontend`` sections by name."""
        return SectionMap(self, ts.Frontend, "frontend")

    @property
    def backends(self) -> SectionMap[ts.Backend]:
        """``backend`` sections by name."""
        return SectionMap(self, ts.Backend, "backend")

    @property
    def listens(self) -> SectionMap[ts.Listen]:
        """``listen`` sections by name."""
        return SectionMap(self, ts.Listen, "listen")

    @property
    def peers(self) -> SectionMap[ts.Peers]:
        """``peers`` sections by name."""
        return SectionMap(self, ts.Peers, "peers section")

    @property
    def userlists(self) -> SectionMap[ts.Userlist]:
        """``userlist`` sections by name."""
        return SectionMap(self, ts.Userlist, "userlist")

    @property
    def resolvers(self) -> SectionMap[ts.Resolvers]:
        """``resolvers`` sections by name."""
        return SectionMap(self, ts.Resolvers, "resolvers section")

    @property
    def mailers(self) -> SectionMap[ts.Mailers]:
        """``mailers`` sections by name."""
        return SectionMap(self, ts.Mailers, "mailers section")

    @property
    def caches(self) -> SectionMap[ts.Cache]:
        """``cache`` sections by name."""
        return SectionMap(self, ts.Cache, "cache")

    @property
    def programs(self) -> SectionMap[ts.Program]:
        """``program`` sections by name."""
        return SectionMap(self, ts.Program, "program")

    @property
    def http_errors(self) -> SectionMap[ts.HttpErrors]:
        """``http-errors`` sections by name."""
        return SectionMap(self, ts.HttpErrors, "http-errors section")

    @property
    def rings(self) -> SectionMap[ts.Ring]:
        """``ring`` sections by name."""
        return SectionMap(self, ts.Ring, "ring")

    @property
    def log_forwards(self) -> SectionMap[ts.LogForward]:
        """``log-forward`` sections by name."""
        return SectionMap(self, ts.LogForward, "log-forward section")

    @property
    def fcgi_apps(self) -> SectionMap[ts.FcgiApp]:
        """``fcgi-app`` sections by name."""
        return SectionMap(self, ts.FcgiApp, "fcgi-app")

    @property
    def crt_stores(self) -> SectionMap[ts.CrtStore]:
        """``crt-store`` sections by name."""
        return SectionMap(self, ts.CrtStore, "crt-store")

    @property
    def log_profiles(self) -> SectionMap[ts.LogProfile]:
        """``log-profile`` sections by name."""
        return SectionMap(self, ts.LogProfile, "log-profile")

    @property
    def acmes(self) -> SectionMap[ts.Acme]:
        """``acme`` sections by name."""
        return SectionMap(self, ts.Acme, "acme section")

    def add(self, section: Section, *, file: str | None = None) -> Section:
        """Add a section after the last one of its kind (else at the end).

        In a configuration of several files (``hm.load_many``) it goes to the
        file of the section it follows (with none of its kind, the end of the
        last file); ``file`` (a file's name or path) puts it in that file
        instead, after the last section of its kind there, else at its end.
        """
        if file is None:
            add_section(self, section)
        else:
            add_to_file(self, section, file)
        return section

    def remove(self, section: Section) -> None:
        """Remove a section and the comment lines directly above it."""
        remove_section(self, section)

    def file_of(self, node: Node) -> str:
        """The name of the file ``node`` (a line, section or `.if` block) belongs to.

        ``filename`` for a configuration of one file.
        """
        if self.origins is None:
            return self.filename
        return self.origins.file_of(self.body, node).name

    def files(self) -> dict[str, str]:
        """Each file's name and its text as it is now (one file: ``{filename: dumps(cfg)}``)."""
        if self.origins is None:
            return {self.filename: dumps(self)}
        texts = self.origins.texts(self.body)
        return {f.name: text for f, text in zip(self.origins.files, texts, strict=True)}
