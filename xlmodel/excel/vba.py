"""A VBA project (``xl/vbaProject.bin``) read and written without Excel.

Three layers of Microsoft's documented formats, each as small as xlmodel needs:

* **MS-OVBA compression** (§2.4.1): the LZ77 variant VBA stores module source and the ``dir``
  stream in (:func:`compress`, :func:`decompress`);
* **MS-CFB** (the OLE compound file, version 3, 512-byte sectors): :func:`read_cfb` returns the
  streams by path, :func:`write_cfb` writes streams into a new file (mini stream for streams
  under 4096 bytes, as the format requires);
* **the VBA project** (§2.3): :func:`read_project` lists the modules and their source;
  :func:`build_project` writes a project from a *template* (the references, project record and
  protection state of the VBA project xlwings ships in ``quickstart.xlsm``, copied verbatim) plus
  the modules xlmodel adds.  Per MS-OVBA a written project has no performance cache
  (``_VBA_PROJECT`` version 0xFFFF, every ``MODULEOFFSET`` 0): Excel compiles the source on open.

>>> decompress(compress(b"abcabcabcabc" * 50)) == b"abcabcabcabc" * 50
True
>>> streams = read_cfb(write_cfb({"A": b"x" * 10, "S/B": b"y" * 5000}))
>>> len(streams["A"]), len(streams["S/B"])
(10, 5000)
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from xlmodel.errors import XlmodelError

# ------------------------------------------------------------------------------ compression
_CHUNK = 4096


def _copy_token_bits(position: int) -> tuple[int, int]:
    """(length mask, offset shift) for a copy token at ``position`` within the chunk (§2.4.1.3.19.1)."""
    bits = max((position - 1).bit_length(), 4)
    return 0xFFFF >> bits, 16 - bits


def decompress(data: bytes) -> bytes:
    """MS-OVBA decompression of a CompressedContainer."""
    if not data or data[0] != 1:
        raise XlmodelError("vbaProject.bin", "a compressed container", "MS-OVBA data starting with 0x01")
    out = bytearray()
    pos = 1
    while pos < len(data):
        header = struct.unpack_from("<H", data, pos)[0]
        size = (header & 0x0FFF) + 3
        compressed = header & 0x8000
        chunk = data[pos + 2:pos + size]
        pos += size
        if not compressed:
            out += chunk[:_CHUNK]
            continue
        start = len(out)
        i = 0
        while i < len(chunk):
            flags = chunk[i]
            i += 1
            for bit in range(8):
                if i >= len(chunk):
                    break
                if not flags & (1 << bit):
                    out.append(chunk[i])
                    i += 1
                    continue
                token = struct.unpack_from("<H", chunk, i)[0]
                i += 2
                mask, shift = _copy_token_bits(len(out) - start)
                length = (token & mask) + 3
                offset = (token >> shift) + 1
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


def compress(data: bytes) -> bytes:
    """MS-OVBA compression: a CompressedContainer Excel reads (greedy longest-match LZ77)."""
    out = bytearray(b"\x01")
    for c0 in range(0, max(len(data), 1), _CHUNK):
        chunk = data[c0:c0 + _CHUNK]
        body = bytearray()
        i = 0
        while i < len(chunk):
            flag_pos = len(body)
            body.append(0)
            flags = 0
            for bit in range(8):
                if i >= len(chunk):
                    break
                mask, shift = _copy_token_bits(i)
                max_len = mask + 3
                best_len = best_off = 0
                for j in range(max(0, i - (1 << (16 - shift))), i):
                    n = 0
                    while n < max_len and i + n < len(chunk) and chunk[j + n] == chunk[i + n]:
                        n += 1
                    if n > best_len:
                        best_len, best_off = n, i - j
                if best_len >= 3:
                    body += struct.pack("<H", ((best_off - 1) << shift) | (best_len - 3))
                    flags |= 1 << bit
                    i += best_len
                else:
                    body.append(chunk[i])
                    i += 1
            body[flag_pos] = flags
        if len(body) > _CHUNK:  # incompressible: a raw chunk of exactly 4096 bytes
            out += struct.pack("<H", 0x3000 | (_CHUNK - 1)) + chunk.ljust(_CHUNK, b"\x00")
        else:
            out += struct.pack("<H", 0xB000 | (len(body) + 2 - 3)) + body
    return bytes(out)


# ------------------------------------------------------------------------------------- CFB
_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
_FREE, _END, _FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
_NOSTREAM = 0xFFFFFFFF
_SECTOR, _MINI, _CUTOFF = 512, 64, 4096


def read_cfb(data: bytes) -> dict[str, bytes]:
    """The streams of a compound file, by path (``"VBA/dir"``)."""
    if data[:8] != _MAGIC:
        raise XlmodelError("vbaProject.bin", "not an OLE compound file", "a VBA project (MS-CFB)")
    shift = struct.unpack_from("<H", data, 30)[0]
    ssize = 1 << shift
    n_fat, dir_start = struct.unpack_from("<I", data, 44)[0], struct.unpack_from("<I", data, 48)[0]
    minifat_start = struct.unpack_from("<I", data, 60)[0]
    difat_start, n_difat = struct.unpack_from("<II", data, 68)
    difat = list(struct.unpack_from("<109I", data, 76))
    sec = difat_start
    for _ in range(n_difat):
        off = (sec + 1) * ssize
        entries = struct.unpack_from(f"<{ssize // 4}I", data, off)
        difat += entries[:-1]
        sec = entries[-1]
    fat: list[int] = []
    for s in difat[:n_fat]:
        fat += struct.unpack_from(f"<{ssize // 4}I", data, (s + 1) * ssize)

    def chain(start: int) -> bytes:
        out, s, seen = bytearray(), start, set()
        while s not in (_END, _FREE) and s < len(fat) and s not in seen:
            seen.add(s)
            out += data[(s + 1) * ssize:(s + 2) * ssize]
            s = fat[s]
        return bytes(out)

    dirs = chain(dir_start)
    entries = []
    for k in range(len(dirs) // 128):
        e = dirs[k * 128:(k + 1) * 128]
        nlen = struct.unpack_from("<H", e, 64)[0]
        name = e[:max(nlen - 2, 0)].decode("utf-16-le")
        etype = e[66]
        left, right, child = struct.unpack_from("<III", e, 68)
        start, size = struct.unpack_from("<IQ", e, 116)
        entries.append((name, etype, left, right, child, start, size))
    root = entries[0]
    ministream = chain(root[5])
    minifat_bytes = chain(minifat_start) if minifat_start not in (_END, _FREE) else b""
    minifat = list(struct.unpack(f"<{len(minifat_bytes) // 4}I", minifat_bytes))

    def mini_chain(start: int, size: int) -> bytes:
        out, s, seen = bytearray(), start, set()
        while s not in (_END, _FREE) and s < len(minifat) and s not in seen:
            seen.add(s)
            out += ministream[s * _MINI:(s + 1) * _MINI]
            s = minifat[s]
        return bytes(out[:size])

    streams: dict[str, bytes] = {}

    def walk(index: int, prefix: str, depth: int = 0) -> None:
        if index == _NOSTREAM or index >= len(entries) or depth > 64:
            return
        name, etype, left, right, child, start, size = entries[index]
        walk(left, prefix, depth + 1)
        walk(right, prefix, depth + 1)
        path = prefix + name
        if etype == 2:
            streams[path] = mini_chain(start, size) if size < _CUTOFF else chain(start)[:size]
        elif etype == 1:
            walk(child, path + "/", depth + 1)

    walk(root[4], "")
    return streams


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list[_Entry] | None = None
    left: int = _NOSTREAM
    right: int = _NOSTREAM
    child: int = _NOSTREAM
    start: int = _END
    index: int = 0


def _key(e: _Entry) -> tuple[int, str]:
    return len(e.name), e.name.upper()  # MS-CFB's order: length first, then case-insensitive


def write_cfb(streams: dict[str, bytes]) -> bytes:
    """A version-3 compound file holding ``streams`` (paths with ``/`` make storages)."""
    root = _Entry("Root Entry", 5, children=[])
    for path, data in streams.items():
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            assert node.children is not None
            found = next((c for c in node.children if c.name == part and c.kind == 1), None)
            if found is None:
                found = _Entry(part, 1, children=[])
                node.children.append(found)
            node = found
        assert node.children is not None
        node.children.append(_Entry(parts[-1], 2, data=data))
    order: list[_Entry] = []

    def number(e: _Entry) -> None:
        e.index = len(order)
        order.append(e)
        for c in e.children or []:
            number(c)

    number(root)

    def tree(items: list[_Entry]) -> int:  # a balanced binary search tree, every node black
        if not items:
            return _NOSTREAM
        mid = len(items) // 2
        node = items[mid]
        node.left, node.right = tree(items[:mid]), tree(items[mid + 1:])
        return node.index

    for e in order:
        if e.children is not None:
            e.child = tree(sorted(e.children, key=_key))

    mini = bytearray()
    minifat: list[int] = []
    big: list[_Entry] = []
    for e in order:
        if e.kind != 2:
            continue
        if len(e.data) < _CUTOFF:
            if not e.data:
                e.start = _END
                continue
            n = -(-len(e.data) // _MINI)
            e.start = len(minifat)
            minifat += [len(minifat) + k + 1 for k in range(n - 1)] + [_END]
            mini += e.data.ljust(n * _MINI, b"\x00")
        else:
            big.append(e)
    n_dir = -(-len(order) * 128 // _SECTOR)
    n_minifat = -(-len(minifat) * 4 // _SECTOR)
    n_mini = -(-len(mini) // _SECTOR)
    n_big = sum(-(-len(e.data) // _SECTOR) for e in big)
    n_fat = 1
    while n_fat * (_SECTOR // 4) < n_fat + n_dir + n_minifat + n_mini + n_big:
        n_fat += 1
    if n_fat > 109:
        raise XlmodelError("vbaProject.bin", f"{n_fat} FAT sectors", "at most 109 (a 7 MB VBA project)")
    fat: list[int] = [_FATSECT] * n_fat
    sectors: list[bytes] = []

    def place(data: bytes) -> int:
        n = -(-len(data) // _SECTOR)
        if n == 0:
            return _END
        first = n_fat + len(sectors)
        for k in range(n):
            sectors.append(data[k * _SECTOR:(k + 1) * _SECTOR].ljust(_SECTOR, b"\x00"))
            fat.append(first + k + 1 if k < n - 1 else _END)
        return first

    dir_placeholder = n_fat + len(sectors)
    place(b"\x00" * n_dir * _SECTOR)
    minifat_start = place(b"".join(struct.pack("<I", v) for v in minifat)) if minifat else _END
    root.start = place(bytes(mini)) if mini else _END
    for e in big:
        e.start = place(e.data)
    directory = bytearray()
    for e in order:
        name = e.name.encode("utf-16-le")
        size = len(mini) if e.kind == 5 else len(e.data)
        directory += (name.ljust(64, b"\x00") + struct.pack("<HBB", len(name) + 2, e.kind, 1)
                      + struct.pack("<III", e.left, e.right, e.child) + b"\x00" * 16 + b"\x00" * 4
                      + b"\x00" * 16 + struct.pack("<IQ", e.start, size))
    free = b"\x00" * 68 + struct.pack("<III", _NOSTREAM, _NOSTREAM, _NOSTREAM) + b"\x00" * 48
    while len(directory) < n_dir * _SECTOR:  # unused entries: zeros, sibling/child NOSTREAM (MS-CFB 2.6.3)
        directory += free
    for k in range(n_dir):
        sectors[k] = bytes(directory[k * _SECTOR:(k + 1) * _SECTOR])
    fat += [_FREE] * (n_fat * (_SECTOR // 4) - len(fat))
    fat_bytes = b"".join(struct.pack("<I", v) for v in fat)
    header = (_MAGIC + b"\x00" * 16 + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\x00" * 6
              + struct.pack("<IIIIIIIII", 0, n_fat, dir_placeholder, 0, _CUTOFF, minifat_start,
                            n_minifat, _END, 0)
              + b"".join(struct.pack("<I", k if k < n_fat else _FREE) for k in range(109)))
    return header + fat_bytes + b"".join(sectors)


# ------------------------------------------------------------------------------ VBA project
@dataclass(frozen=True)
class Module:
    name: str
    source: str  # the module text with its Attribute lines, CRLF line ends
    document: bool = False  # a document module (ThisWorkbook, a sheet), else a standard module


def _records(data: bytes) -> list[tuple[int, bytes, int, int]]:
    """The dir stream's records: (id, payload, start, end) — PROJECTVERSION's odd size handled."""
    out, pos = [], 0
    while pos + 6 <= len(data):
        rid, size = struct.unpack_from("<HI", data, pos)
        if rid == 0x0009:  # PROJECTVERSION: Reserved (=4) then 6 bytes of version
            size = 6
        out.append((rid, data[pos + 6:pos + 6 + size], pos, pos + 6 + size))
        pos += 6 + size
        if rid == 0x0010:
            break
    return out


def read_project(vba_bin: bytes) -> tuple[str, list[Module], bytes]:
    """(PROJECT stream text, the modules with source, the dir records before PROJECTMODULES)."""
    streams = read_cfb(vba_bin)
    if "VBA/dir" not in streams or "PROJECT" not in streams:
        raise XlmodelError("vbaProject.bin", "no VBA/dir or PROJECT stream", "a VBA project (MS-OVBA)")
    project_text = streams["PROJECT"].decode("cp1252", "replace")
    dir_data = decompress(streams["VBA/dir"])
    records = _records(dir_data)
    head_end = next(start for rid, _p, start, _e in records if rid == 0x000F)
    codepage = 1252
    for rid, payload, _s, _e in records:
        if rid == 0x0003:
            codepage = struct.unpack("<H", payload)[0]
    encoding = f"cp{codepage}"
    modules: list[Module] = []
    name = stream = ""
    offset = 0
    document = False
    for rid, payload, _s, _e in records:
        if rid == 0x0019:
            name, stream, offset, document = payload.decode(encoding, "replace"), "", 0, False
        elif rid == 0x001A:
            stream = payload.decode(encoding, "replace")
        elif rid == 0x0031:
            offset = struct.unpack("<I", payload)[0]
        elif rid == 0x0022:
            document = True
        elif rid == 0x002B and name:
            raw = streams.get(f"VBA/{stream or name}", b"")
            source = decompress(raw[offset:]).decode(encoding, "replace") if len(raw) > offset else ""
            modules.append(Module(name, source, document))
            name = ""
    return project_text, modules, dir_data[:head_end]


def _rec(rid: int, payload: bytes) -> bytes:
    return struct.pack("<HI", rid, len(payload)) + payload


def build_project(template: bytes, modules: list[Module]) -> bytes:
    """A vbaProject.bin: the template project's record and references, with ``modules``.

    The PROJECT stream keeps the template's ID and protection lines (CMG/DPB/GC are keyed to
    the ID) and lists ``modules``; the dir stream keeps the template's records up to
    PROJECTMODULES (name, code page, references) and describes ``modules``.
    """
    project_text, _old, head = read_project(template)
    kept_keys = ("ID", "Name", "HelpContextID", "VersionCompatible32", "CMG", "DPB", "GC")
    keep = [ln for ln in project_text.replace("\r\n", "\n").split("\n") if ln.split("=", 1)[0] in kept_keys]
    ids = [ln for ln in keep if ln.startswith("ID=")]
    rest = [ln for ln in keep if not ln.startswith("ID=")]
    lines = ids + [f"Document={m.name}/&H00000000" if m.document else f"Module={m.name}" for m in modules]
    lines += rest + ["", "[Host Extender Info]",
                     "&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000", "",
                     "[Workspace]"] + [f"{m.name}=0, 0, 0, 0, C" for m in modules] + [""]
    project = "\r\n".join(lines).encode("cp1252")
    body = bytearray(head)
    body += struct.pack("<HIH", 0x000F, 2, len(modules)) + struct.pack("<HIH", 0x0013, 2, 0xFFFF)
    for m in modules:
        mb, mu = m.name.encode("cp1252"), m.name.encode("utf-16-le")
        body += _rec(0x0019, mb) + _rec(0x0047, mu) + _rec(0x001A, mb) + _rec(0x0032, mu)
        body += _rec(0x001C, b"") + _rec(0x0048, b"") + _rec(0x0031, struct.pack("<I", 0))
        body += _rec(0x001E, struct.pack("<I", 0)) + _rec(0x002C, struct.pack("<H", 0xFFFF))
        body += _rec(0x0022 if m.document else 0x0021, b"") + _rec(0x002B, b"")
    body += _rec(0x0010, b"")
    wm = b"".join(m.name.encode("cp1252") + b"\x00" + m.name.encode("utf-16-le") + b"\x00\x00"
                  for m in modules) + b"\x00\x00"
    streams = {
        "PROJECT": project,
        "PROJECTwm": wm,
        "VBA/_VBA_PROJECT": bytes.fromhex("CC61FFFF000000"),
        "VBA/dir": compress(bytes(body)),
    }
    for m in modules:
        streams[f"VBA/{m.name}"] = compress(m.source.encode("cp1252"))
    return write_cfb(streams)
