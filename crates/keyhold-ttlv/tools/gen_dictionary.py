#!/usr/bin/env python3
"""Generate `src/dictionary_generated.rs` from the OASIS KMIP 1.4 and 2.1 specifications.

Usage (from the crate directory, with the specs beside the project root):

    python3 tools/gen_dictionary.py \
        --spec-1-4 ../../../shared/kmip-spec/kmip-spec-v1.4-os.html \
        --spec-2-1 ../../../shared/kmip-spec/kmip-spec-v2.1-os.html \
        --out src/dictionary_generated.rs

The defaults are exactly those paths, so `python3 tools/gen_dictionary.py` is enough.
The crate never reads the specifications at build time: the output is committed.

What is read:
- tag names and numbers: KMIP 1.4 section 9.1.3.1 "Tags" and KMIP 2.1 section 11.56
  "Tag Enumeration" (tags of 1.x that 2.x marks "(Reserved)" are kept);
- enumerations: KMIP 1.4 section 9.1.3.2.x and KMIP 2.1 section 11.x;
- bit masks: KMIP 1.4 section 9.1.3.3.x and KMIP 2.1 section 12.x;
- which tag uses which enumeration: a tag named like the enumeration, the 1.4 cross
  references ("Enumeration, see 9.1.3.2.16") and the 2.1 ones ("Enumeration (Tag)").

Names are normalized with the "Normalizing Names" rules of the KMIP Profiles 1.4 XML and
JSON encodings, the form those encodings use.

The PKCS#11 Function and Return Code enumerations (KMIP 2.1 sections 11.38 and 11.39)
have no table in the specification: they refer to PKCS#11 itself. A short supplement
below names them (`PKCS11_SUPPLEMENT`); it is the only data not taken from the specs.
"""

import argparse
import html.parser
import pathlib
import re
import sys

HERE = pathlib.Path(__file__).resolve().parent
DEFAULT_SPEC_DIR = HERE.parent.parent.parent.parent / "shared" / "kmip-spec"

V14 = 1
V21 = 2

# PKCS#11 v3.0 CK_FUNCTION_LIST_3_0: KMIP 2.1 section 11.38 says the enumeration is "the
# 1-based offset count of the function" in that structure, so C_Initialize (the first
# function, after the version field) is 1.
PKCS11_FUNCTIONS = [
    "C_Initialize", "C_Finalize", "C_GetInfo", "C_GetFunctionList", "C_GetSlotList",
    "C_GetSlotInfo", "C_GetTokenInfo", "C_GetMechanismList", "C_GetMechanismInfo",
    "C_InitToken", "C_InitPIN", "C_SetPIN", "C_OpenSession", "C_CloseSession",
    "C_CloseAllSessions", "C_GetSessionInfo", "C_GetOperationState", "C_SetOperationState",
    "C_Login", "C_Logout", "C_CreateObject", "C_CopyObject", "C_DestroyObject",
    "C_GetObjectSize", "C_GetAttributeValue", "C_SetAttributeValue", "C_FindObjectsInit",
    "C_FindObjects", "C_FindObjectsFinal", "C_EncryptInit", "C_Encrypt", "C_EncryptUpdate",
    "C_EncryptFinal", "C_DecryptInit", "C_Decrypt", "C_DecryptUpdate", "C_DecryptFinal",
    "C_DigestInit", "C_Digest", "C_DigestUpdate", "C_DigestKey", "C_DigestFinal",
    "C_SignInit", "C_Sign", "C_SignUpdate", "C_SignFinal", "C_SignRecoverInit",
    "C_SignRecover", "C_VerifyInit", "C_Verify", "C_VerifyUpdate", "C_VerifyFinal",
    "C_VerifyRecoverInit", "C_VerifyRecover", "C_DigestEncryptUpdate",
    "C_DecryptDigestUpdate", "C_SignEncryptUpdate", "C_DecryptVerifyUpdate",
    "C_GenerateKey", "C_GenerateKeyPair", "C_WrapKey", "C_UnwrapKey", "C_DeriveKey",
    "C_SeedRandom", "C_GenerateRandom", "C_GetFunctionStatus", "C_CancelFunction",
    "C_WaitForSlotEvent",
]

# PKCS#11 CK_RV values (pkcs11t.h), named without the CKR_ prefix as in the KMIP 2.1 test
# vectors ("OK"). Only the general-purpose codes are listed.
PKCS11_RETURN_CODES = [
    ("OK", 0x00), ("CANCEL", 0x01), ("HOST_MEMORY", 0x02), ("SLOT_ID_INVALID", 0x03),
    ("GENERAL_ERROR", 0x05), ("FUNCTION_FAILED", 0x06), ("ARGUMENTS_BAD", 0x07),
    ("NO_EVENT", 0x08), ("NEED_TO_CREATE_THREADS", 0x09), ("CANT_LOCK", 0x0A),
    ("FUNCTION_NOT_SUPPORTED", 0x54), ("CRYPTOKI_NOT_INITIALIZED", 0x190),
    ("CRYPTOKI_ALREADY_INITIALIZED", 0x191),
]

# Typographical errors in one specification where the other has the right name: the
# right one is the canonical (preferred) name; both are still accepted when parsing.
# KMIP 2.1 Table "Mask Generator Enumeration" spells MGF1 as "MFG1".
PREFERRED_NAMES = {
    ("MaskGenerator", 0x00000001): "MGF1",
}

PKCS11_SUPPLEMENT = {
    "PKCS#11 Function": [(n, i + 1) for i, n in enumerate(PKCS11_FUNCTIONS)],
    "PKCS#11 Return Code": PKCS11_RETURN_CODES,
}


class SpecParser(html.parser.HTMLParser):
    """Flattens the Word-generated HTML into headings, paragraphs and tables."""

    HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks = []
        self.text = []
        self.heading = False
        self.table_depth = 0
        self.rows = None
        self.row = None
        self.cell = None
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self.skip += 1
        elif tag == "table":
            self.table_depth += 1
            if self.table_depth == 1:
                self.flush()
                self.rows = []
        elif tag == "tr" and self.table_depth == 1:
            self.row = []
        elif tag in ("td", "th") and self.table_depth == 1:
            self.cell = []
        elif tag in self.HEADINGS:
            self.flush()
            self.heading = True
        elif tag in ("p", "br") and self.cell is not None:
            self.cell.append(" ")
        elif tag in ("p", "div") and self.table_depth == 0:
            self.flush()

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self.skip -= 1
        elif tag == "table":
            if self.table_depth == 1:
                self.blocks.append(("table", self.rows))
                self.rows = None
            self.table_depth -= 1
        elif tag == "tr" and self.table_depth == 1 and self.row is not None:
            self.rows.append(self.row)
            self.row = None
        elif tag in ("td", "th") and self.table_depth == 1 and self.cell is not None:
            if self.row is not None:
                self.row.append(clean("".join(self.cell)))
            self.cell = None
        elif tag in self.HEADINGS:
            self.flush()
            self.heading = False
        elif tag in ("p", "div") and self.table_depth == 0:
            self.flush()

    def handle_data(self, data):
        if self.skip:
            return
        if self.cell is not None:
            self.cell.append(data)
        elif self.table_depth == 0:
            self.text.append(data)

    def flush(self):
        text = clean("".join(self.text))
        if text:
            self.blocks.append(("h" if self.heading else "p", text))
        self.text = []


def clean(text):
    return " ".join(text.replace("\u00a0", " ").split())


def normalize(name):
    """The "Normalizing Names" rules of the KMIP Profiles 1.4 XML and JSON encodings."""
    s = name.replace("(", " ").replace(")", " ")
    s = re.sub(r"[^A-Za-z0-9_]([A-Za-z][a-z])", r" \1", s)
    s = re.sub(r"[^A-Za-z0-9_\s]", "_", s)
    words = s.split()
    if not words:
        return ""
    m = re.match(r"^([0-9]+)(.*)$", words[0])
    if m:
        words[0] = m.group(2) + m.group(1)
    return "".join(w[:1].upper() + w[1:] for w in words)


def sections(path):
    parser = SpecParser()
    parser.feed(path.read_text(encoding="cp1252"))
    parser.flush()
    result = []  # (number, title, [tables], [paragraph rows])
    current = None
    for kind, content in parser.blocks:
        if kind == "h":
            m = re.match(r"^(\d+(?:\.\d+)*)\s+(.*)$", content)
            if m:
                current = (m.group(1), m.group(2), [])
                result.append(current)
                continue
        if kind == "table" and current is not None:
            current[2].append(content)
    return result, parser.blocks


VALUE_RE = re.compile(r"^(?:0x)?([0-9A-Fa-f]{2,8})(?:\s|$|\()")
SKIP_NAMES = {"(Reserved)", "(Unused)", "Extensions", "Reserved", "Unused"}


def name_value_rows(tables):
    """Yields (name, value) from every two-column Name/Value table."""
    for rows in tables:
        in_values = False
        for row in rows:
            if len(row) == 2 and row[0] in ("Name", "Object") and row[1] in ("Value", "Tag Value"):
                in_values = True
                continue
            if not in_values or len(row) != 2:
                continue
            name, value = row
            if name in SKIP_NAMES or not name:
                continue
            m = VALUE_RE.match(value)
            if m is None:
                continue
            yield name, int(m.group(1), 16)


def spec_tables(path, version):
    secs, blocks = sections(path)
    tags, enums, masks, enum_numbers = [], {}, {}, {}
    for number, title, tables in secs:
        if (version == V14 and number == "9.1.3.1" and title == "Tags") or (
            version == V21 and title == "Tag Enumeration"
        ):
            tags = list(name_value_rows(tables))
        elif title.endswith(" Enumeration") and (
            (version == V14 and number.startswith("9.1.3.2."))
            or (version == V21 and number.startswith("11."))
        ):
            name = title[: -len(" Enumeration")]
            enum_numbers[number] = name
            if name != "Tag":
                enums[name] = list(name_value_rows(tables))
        elif (version == V14 and number.startswith("9.1.3.3.")) or (
            version == V21 and re.match(r"^12\.\d+$", number)
        ):
            masks[title] = list(name_value_rows(tables))
    uses = enum_uses(secs, version, enum_numbers)
    return tags, enums, masks, uses


def enum_uses(secs, version, enum_numbers):
    """Tag name -> enumeration name, from the encoding tables' cross references."""
    uses = {}
    for _number, _title, tables in secs:
        for rows in tables:
            for row in rows:
                if len(row) < 2:
                    continue
                tag, encoding = row[0], row[1]
                m = re.match(r"^Enumeration, see (\d+(?:\.\d+)+)", encoding)
                if version == V14 and m and m.group(1) in enum_numbers:
                    uses[tag] = enum_numbers[m.group(1)]
                m = re.match(r"^Enumeration \(([^)]+)\)", encoding)
                if version == V21 and m:
                    uses[tag] = m.group(1)
    return uses


class Merged:
    """name/value pairs of one table across both versions, by normalized name."""

    def __init__(self, table=""):
        self.table = table
        self.entries = {}  # (value, normalized name) -> [flags, spec name]

    def add(self, name, value, version):
        key = (value, normalize(name))
        entry = self.entries.setdefault(key, [0, name])
        entry[0] |= version
        if version == V21:
            entry[1] = name

    def rows(self):
        """(value, name, flags, preferred) sorted by value; preferred = the canonical name."""
        by_value = {}
        for (value, name), (flags, _spec) in self.entries.items():
            by_value.setdefault(value, []).append((name, flags))
        out = []
        for value in sorted(by_value):
            names = by_value[value]
            # prefer the 2.1 name, then the 1.4 one
            preferred = PREFERRED_NAMES.get((self.table, value))
            names.sort(key=lambda nf: (nf[0] != preferred, 0 if nf[1] & V21 else 1, nf[0]))
            for i, (name, flags) in enumerate(names):
                out.append((value, name, flags, i == 0))
        return out

    def check(self, what):
        seen = {}
        for (value, name) in self.entries:
            if name in seen and seen[name] != value:
                print(f"warning: {what}: {name} names both {seen[name]:#x} and {value:#x}",
                      file=sys.stderr)
            seen[name] = value


def merge(spec14, spec21):
    tags14, enums14, masks14, uses14 = spec14
    tags21, enums21, masks21, uses21 = spec21
    tags = Merged()
    for version, rows in ((V14, tags14), (V21, tags21)):
        for name, value in rows:
            tags.add(name, value, version)
    enums = {}
    for version, table in ((V14, enums14), (V21, enums21)):
        for ename, rows in table.items():
            merged = enums.setdefault(normalize(ename), Merged(normalize(ename)))
            for name, value in rows:
                merged.add(name, value, version)
    for ename, rows in PKCS11_SUPPLEMENT.items():
        merged = enums.setdefault(normalize(ename), Merged(normalize(ename)))
        for name, value in rows:
            merged.add(name, value, V21)
    masks = {}
    for version, table in ((V14, masks14), (V21, masks21)):
        for mname, rows in table.items():
            merged = masks.setdefault(normalize(mname), Merged(normalize(mname)))
            for name, value in rows:
                merged.add(name, value, version)
    uses = {}
    for table in (uses14, uses21):
        for tag, ename in table.items():
            uses[normalize(tag)] = normalize(ename)
    return tags, enums, masks, uses


def rust_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def const_name(name):
    return re.sub(r"(?<!^)(?=[A-Z][a-z])", "_", name).upper().replace("__", "_")


def flags_expr(flags):
    parts = []
    if flags & V14:
        parts.append("V1_4")
    if flags & V21:
        parts.append("V2_1")
    return " | ".join(parts)


def emit_table(out, const, rows, digits=8):
    out.append(f"pub(crate) static {const}: &[Entry] = &[")
    for value, name, flags, preferred in rows:
        out.append(
            f"    Entry {{ value: 0x{value:0{digits}X}, name: {rust_str(name)}, "
            f"versions: {flags_expr(flags)}, preferred: {'true' if preferred else 'false'} }},"
        )
    out.append("];")
    out.append("")


def generate(tags, enums, masks, uses):
    tag_names = {name: value for (value, name) in tags.entries}
    out = [
        "// @generated by tools/gen_dictionary.py from the KMIP 1.4 and 2.1 specifications.",
        "// Do not edit by hand: change the generator and run it again.",
        "",
        "use crate::dictionary::{Entry, EnumSource, V1_4, V2_1};",
        "",
        "/// Tags: KMIP 1.4 section 9.1.3.1 and KMIP 2.1 section 11.56, sorted by value.",
    ]
    tags.check("tags")
    emit_table(out, "TAGS", tags.rows(), digits=6)
    out.append("/// Every tag name (canonical or not) and its value, sorted by name.")
    out.append("pub(crate) static TAGS_BY_NAME: &[(&str, u32)] = &[")
    for name, value in sorted(tag_names.items()):
        out.append(f"    ({rust_str(name)}, 0x{value:06X}),")
    out.append("];")
    out.append("")
    enum_consts = {}
    for ename in sorted(enums):
        enums[ename].check(ename)
        const = "ENUM_" + const_name(ename)
        enum_consts[ename] = const
        out.append(f"/// Enumeration {ename}.")
        emit_table(out, const, enums[ename].rows())
    mask_consts = {}
    for mname in sorted(masks):
        masks[mname].check(mname)
        const = "MASK_" + const_name(mname)
        mask_consts[mname] = const
        out.append(f"/// Bit mask {mname}.")
        emit_table(out, const, masks[mname].rows())
    links = tag_links(tag_names, enum_consts, mask_consts, uses)
    out.append("/// Tags whose Enumeration or Integer values have names, sorted by tag.")
    out.append("pub(crate) static TAG_VALUES: &[(u32, EnumSource)] = &[")
    for value, _name, source in links:
        out.append(f"    (0x{value:06X}, {source}),")
    out.append("];")
    out.append("")
    return "\n".join(out)


def tag_links(tag_names, enum_consts, mask_consts, uses):
    links = {}
    for tag, value in tag_names.items():
        ename = uses.get(tag, tag)
        if ename == "Tag":
            links[value] = (tag, "EnumSource::Tags")
        elif ename in enum_consts:
            links[value] = (tag, f"EnumSource::Enumeration({enum_consts[ename]})")
        elif tag in mask_consts:
            links[value] = (tag, f"EnumSource::Mask({mask_consts[tag]})")
        elif tag in uses:
            print(f"warning: tag {tag} uses unknown enumeration {uses[tag]}", file=sys.stderr)
    return [(v, n, s) for v, (n, s) in sorted(links.items())]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec-1-4", type=pathlib.Path,
                    default=DEFAULT_SPEC_DIR / "kmip-spec-v1.4-os.html")
    ap.add_argument("--spec-2-1", type=pathlib.Path,
                    default=DEFAULT_SPEC_DIR / "kmip-spec-v2.1-os.html")
    ap.add_argument("--out", type=pathlib.Path,
                    default=HERE.parent / "src" / "dictionary_generated.rs")
    args = ap.parse_args()
    spec14 = spec_tables(args.spec_1_4, V14)
    spec21 = spec_tables(args.spec_2_1, V21)
    merged = merge(spec14, spec21)
    args.out.write_text(generate(*merged))
    tags, enums, masks, _uses = merged
    print(f"{len(tags.entries)} tag names, {len(enums)} enumerations, {len(masks)} masks "
          f"-> {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
