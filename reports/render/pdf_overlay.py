"""Draw one PDF's pages over another's, as an incremental update: the first document's
bytes stay exactly as they were, and what is added is appended after them.

The monthly report's stamp ("Draft: not approved for sending", "Approved by ... on ...")
is drawn this way over a PDF laid out without one (`reports.render.stamp`), so approving a
month lays nothing out again: WeasyPrint renders the few words of the stamp, and this
writes them onto every page. What it appends is what PDF/A-3b allows of an update: new
objects, the pages that now show the stamp, and a cross-reference stream whose trailer
keeps the document's catalogue, information dictionary and first identifier. The stamp is
marked as a pagination artifact, as a running header is: the structure tree (the tags) is
the document's own and is not changed.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from pypdf import PdfReader
from pypdf.errors import PdfReadError
from pypdf.generic import (
    ArrayObject,
    ByteStringObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NullObject,
    NumberObject,
    PdfObject,
    StreamObject,
)

from reports.errors import OutputError

#: The name the stamp's form has in each page's resources.
FORM_NAME = "/ReportsStamp"
#: How the stamp is marked in a page's content: page decoration, outside the tags.
_ARTIFACT = b"/Artifact <</Type /Pagination /Subtype /Header>> BDC\n"

_STARTXREF = re.compile(rb"startxref\s+(\d+)\s+%%EOF\s*$")


def _size(page: DictionaryObject) -> tuple[float, float]:
    """A page's width and height in points, to a tenth: the stamp's page of the size, laid
    out from these, is then the same size, whatever rounding each renderer does."""
    box = page.mediabox  # type: ignore[attr-defined]
    return (round(float(box.width), 1), round(float(box.height), 1))


class _Update:
    """The objects an update appends, numbered after the document's own."""

    def __init__(self, first: int) -> None:
        self.next = first
        self.objects: dict[int, PdfObject] = {}
        self._copied: dict[int, int] = {}

    def add(self, obj: PdfObject) -> IndirectObject:
        number = self.next
        self.next += 1
        self.objects[number] = obj
        return IndirectObject(number, 0, None)

    def replace(self, number: int, obj: PdfObject) -> None:
        self.objects[number] = obj

    def copy(self, obj: PdfObject) -> PdfObject:
        """`obj` of the overlay's document, and everything it refers to, renumbered as
        objects of this update (each once)."""
        if isinstance(obj, IndirectObject):
            if obj.idnum not in self._copied:
                self._copied[obj.idnum] = number = self.next
                self.next += 1
                target = obj.get_object()
                self.objects[number] = self.copy(target if target is not None else NullObject())
            return IndirectObject(self._copied[obj.idnum], 0, None)
        if isinstance(obj, StreamObject):  # compressed again, whatever its filter was
            entries = {
                key[1:]: self.copy(value)
                for key, value in obj.items()
                if key not in ("/Filter", "/DecodeParms", "/Length")
            }
            return _stream(obj.get_data(), **entries)
        if isinstance(obj, DictionaryObject):
            return DictionaryObject({NameObject(k): self.copy(v) for k, v in obj.items()})
        if isinstance(obj, ArrayObject):
            return ArrayObject(self.copy(item) for item in obj)
        return obj


def _stream(data: bytes, **entries: PdfObject) -> StreamObject:
    stream = StreamObject()
    for key, value in entries.items():
        stream[NameObject(f"/{key}")] = value
    stream.set_data(zlib.compress(data, 9))
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    return stream


def _contents(page: DictionaryObject) -> bytes:
    """A page's content, its streams joined."""
    contents = page.get("/Contents")
    if contents is None:
        return b""
    contents = contents.get_object()
    streams = contents if isinstance(contents, ArrayObject) else [contents]
    return b"\n".join(stream.get_object().get_data() for stream in streams)


def _runs(numbers: list[int]) -> Iterator[tuple[int, int]]:
    """Sorted object numbers as (first, count) runs, as a cross-reference's /Index."""
    start = previous = numbers[0]
    for number in numbers[1:]:
        if number != previous + 1:
            yield start, previous - start + 1
            start = number
        previous = number
    yield start, previous - start + 1


def prepare(document: bytes) -> bytes:
    """`document` made ready for a stamp (`Stampable`), as an incremental update: each page
    draws, over its own content, a form that is empty for now, one form a page size. The
    update also writes again the catalogue and the page tree, so that finding the pages
    later reads only what it wrote (`Stampable.read`), never the document's object streams,
    which a reader parses whole (a tagged report's hold thousands of objects)."""
    try:
        base = PdfReader(io.BytesIO(document))
        update = _Update(_object_count(base.trailer))
        forms: dict[tuple[float, float], IndirectObject] = {}
        # The document's own content inside q/Q, whatever state it leaves, then the stamp.
        before = update.add(_stream(b"q\n"))
        after = update.add(_stream(b"Q\n" + _ARTIFACT + FORM_NAME.encode() + b" Do\nEMC\n"))
        for page in base.pages:
            size = _size(page)
            if size not in forms:
                forms[size] = update.add(_form(b"", size, DictionaryObject()))
            stamped = DictionaryObject(page)
            contents = page.raw_get("/Contents")
            resolved = contents.get_object()
            kept = list(resolved) if isinstance(resolved, ArrayObject) else [contents]
            stamped[NameObject("/Contents")] = ArrayObject([before, *kept, after])
            resources = DictionaryObject(page.get("/Resources", DictionaryObject()).get_object())
            xobjects = resources.get("/XObject")
            xobjects = (
                DictionaryObject(xobjects.get_object())
                if xobjects is not None
                else DictionaryObject()
            )
            xobjects[NameObject(FORM_NAME)] = forms[size]
            resources[NameObject("/XObject")] = xobjects
            stamped[NameObject("/Resources")] = resources
            update.replace(_number_of(page), stamped)
            parent = page.get("/Parent")
            while parent is not None:  # the page tree, up to its root
                node = parent.get_object()
                update.replace(parent.idnum, DictionaryObject(node))
                parent = node.get("/Parent")
        root = base.trailer.raw_get("/Root")
        update.replace(root.idnum, DictionaryObject(root.get_object()))
        return document + _appended(update, base.trailer, document)
    except (PdfReadError, ValueError, KeyError, AttributeError) as error:
        raise OutputError(f"cannot prepare the PDF for its stamp: {error}") from error


@dataclass(frozen=True, eq=False)
class Stampable:
    """A document `prepare` made ready: its bytes, and the form each page size draws."""

    document: bytes
    forms: Mapping[tuple[float, float], int]
    #: Its last trailer: what an update's own repeats.
    trailer: DictionaryObject

    @classmethod
    def read(cls, document: bytes) -> Stampable:
        """`document` as `prepare` wrote it; an `OutputError` if it was not."""
        try:
            reader = PdfReader(io.BytesIO(document))
            forms: dict[tuple[float, float], int] = {}
            for page in reader.pages:
                resources = _dictionary(page.get("/Resources"))
                form = _dictionary(resources.get("/XObject")).raw_get(FORM_NAME)
                forms[_size(page)] = form.idnum
        except (PdfReadError, ValueError, KeyError, AttributeError) as error:
            raise OutputError(f"the PDF was not prepared for a stamp: {error}") from error
        return cls(document, forms, reader.trailer)

    @property
    def sizes(self) -> tuple[tuple[float, float], ...]:
        """The document's page sizes (width, height, in points), as the stamp's must be."""
        return tuple(self.forms)

    def stamped(self, overlay: bytes) -> bytes:
        """The document with each page's form drawing the page of `overlay` of its size,
        appended as an incremental update; a size `overlay` has no page of is an
        `OutputError`."""
        try:
            stamps = PdfReader(io.BytesIO(overlay))
            update = _Update(_object_count(self.trailer))
            drawn: set[tuple[float, float]] = set()
            for page in stamps.pages:
                size = _size(page)
                if size not in self.forms or size in drawn:
                    continue
                drawn.add(size)
                resources = update.copy(page.get("/Resources", DictionaryObject()))
                update.replace(self.forms[size], _form(_contents(page), size, resources))
        except (PdfReadError, ValueError, KeyError) as error:
            raise OutputError(f"cannot stamp the PDF: {error}") from error
        missing = set(self.forms) - drawn
        if missing:
            width, height = sorted(missing)[0]
            raise OutputError(f"the stamp has no page of {width:g} x {height:g} points")
        return self.document + _appended(update, self.trailer, self.document)


def _form(content: bytes, size: tuple[float, float], resources: PdfObject) -> StreamObject:
    return _stream(
        content,
        Type=NameObject("/XObject"),
        Subtype=NameObject("/Form"),
        BBox=ArrayObject([_number(0), _number(0), *map(_number, size)]),
        Resources=resources,
    )


def _number_of(page: DictionaryObject) -> int:
    reference = page.indirect_reference
    assert reference is not None
    return int(reference.idnum)


def _object_count(trailer: DictionaryObject) -> int:
    """The trailer's /Size: the number an update's first new object takes."""
    size = trailer.get("/Size")
    if not isinstance(size, NumberObject):
        raise PdfReadError("the trailer has no /Size")
    return int(size)


def _dictionary(value: PdfObject | None) -> DictionaryObject:
    """`value`, resolved, as a dictionary; a `PdfReadError` if it is none."""
    resolved = value.get_object() if value is not None else None
    if not isinstance(resolved, DictionaryObject):
        raise PdfReadError(f"expected a dictionary, found {type(resolved).__name__}")
    return resolved


def _number(value: float) -> PdfObject:
    return NumberObject(int(value)) if value == int(value) else FloatObject(value)


def _appended(update: _Update, trailer: DictionaryObject, document: bytes) -> bytes:
    """The update's bytes: its objects, then a cross-reference stream (with its trailer
    entries) pointing back to the document's (`previous`)."""
    found = _STARTXREF.search(document[-64:])
    if found is None:
        raise PdfReadError("the document does not end in startxref and %%EOF")
    previous = int(found.group(1))
    out = io.BytesIO()
    out.write(b"\n")
    offsets: dict[int, int] = {}
    for number in sorted(update.objects):
        offsets[number] = len(document) + out.tell()
        out.write(f"{number} 0 obj\n".encode())
        update.objects[number].write_to_stream(out)
        out.write(b"\nendobj\n")
    xref = update.next
    offsets[xref] = len(document) + out.tell()
    numbers = sorted(offsets)
    identifiers = trailer.get("/ID")
    first_id = identifiers[0] if isinstance(identifiers, ArrayObject) and identifiers else None
    identifier = hashlib.md5(document + out.getvalue(), usedforsecurity=False).digest()
    entries: dict[str, PdfObject] = {
        "Type": NameObject("/XRef"),
        "Size": NumberObject(xref + 1),
        "Index": ArrayObject(NumberObject(n) for run in _runs(numbers) for n in run),
        "W": ArrayObject([NumberObject(1), NumberObject(4), NumberObject(1)]),
        "Root": trailer.raw_get("/Root"),
        "Prev": NumberObject(previous),
        "ID": ArrayObject(
            [
                first_id if first_id is not None else ByteStringObject(identifier),
                ByteStringObject(identifier),
            ]
        ),
    }
    if "/Info" in trailer:
        entries["Info"] = trailer.raw_get("/Info")
    table = b"".join(struct.pack(">BIB", 1, offsets[n], 0) for n in numbers)
    out.write(f"{xref} 0 obj\n".encode())
    _stream(table, **entries).write_to_stream(out)
    out.write(f"\nendobj\nstartxref\n{offsets[xref]}\n%%EOF\n".encode())
    return out.getvalue()
