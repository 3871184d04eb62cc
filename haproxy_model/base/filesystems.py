"""Whether a file's times come from this machine's clock: true of local filesystems,
not of network ones (NFS, SMB, FUSE...), whose server stamps the times by its own."""

from __future__ import annotations

import os

#: Linux filesystem types that stamp file times with the kernel's own clock.
LOCAL_TYPES = frozenset(
    {
        "bcachefs", "btrfs", "ext2", "ext3", "ext4", "f2fs", "jfs", "nilfs2", "overlay",
        "ramfs", "reiserfs", "tmpfs", "xfs", "zfs",
    }
)  # fmt: skip


def stamps_with_local_clock(st_dev: int) -> bool:
    """Whether the filesystem of device ``st_dev`` is a local one of :data:`LOCAL_TYPES`
    (read from ``/proc/self/mountinfo``); False where that cannot be told."""
    return _mount_types().get(st_dev) in LOCAL_TYPES


def _mount_types() -> dict[int, str]:
    """``{device: filesystem type}`` of this process's mounts (read each time: a device
    number can come back with another filesystem after a remount)."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return {}
    out: dict[int, str] = {}
    for line in lines:
        fields = line.split()
        try:
            major, minor = fields[2].split(":")
            fs_type = fields[fields.index("-") + 1]
            device = os.makedev(int(major), int(minor))
        except (IndexError, ValueError):
            continue
        out.setdefault(device, fs_type)
    return out
