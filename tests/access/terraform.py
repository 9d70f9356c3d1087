"""Read a rendered stack back: evaluate its Terraform with fixed test values and collect every policy document.

This is test machinery, not a Terraform implementation: it evaluates the expression subset guardform's templates
write (literals, templates with interpolation, references, indexes, splats, ``for`` expressions, conditionals and
the functions listed in ``_FUNCTIONS``) over python-hcl2's raw parse tree. Anything else raises
:class:`Unresolved` naming the file, so a template that starts writing a new construct fails loudly here instead
of being evaluated wrongly. Computed attributes (ids and ARNs AWS assigns) get fixed values derived from the
resource's type and name (see :func:`_computed`), so a policy naming ``aws_s3_bucket.audit.arn`` and one naming
``module.s3.bucket_arns["audit"]`` resolve to the same string.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import hcl2.parser
from hcl2.postlexer import PostLexer
from lark import Lark, Token, Tree
from lark.exceptions import LarkError

PTree = Tree[Token]  # the raw parse tree python-hcl2 returns

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"
PARTITION = "aws"


class Unresolved(Exception):
    """An expression the test resolver cannot evaluate (a construct guardform's templates did not write before)."""


def _digest(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:length]


def _uuid(*parts: str) -> str:
    h = _digest(*parts, length=32)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


# --------------------------------------------------------------------------------------------------
# Values
# --------------------------------------------------------------------------------------------------


class Lazy(Mapping[str, Any]):
    """A mapping whose values are computed (and cached) on first use: locals, outputs, resource attributes."""

    def __init__(self, keys: list[str], compute: Callable[[str], Any], what: str) -> None:
        self._keys = keys
        self._compute = compute
        self._cache: dict[str, Any] = {}
        self._busy: set[str] = set()
        self._what = what

    def __getitem__(self, key: str) -> Any:
        if key in self._cache:
            return self._cache[key]
        if key not in self._keys:
            raise Unresolved(f"{self._what} has no {key!r}")
        if key in self._busy:
            raise Unresolved(f"{self._what}.{key} refers to itself")
        self._busy.add(key)
        try:
            value = self._compute(key)
        finally:
            self._busy.discard(key)
        self._cache[key] = value
        return value

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self._keys else default

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


def _plain(value: Any) -> Any:
    """A value with every Lazy mapping turned into a dict (for jsonencode and comparisons)."""
    if isinstance(value, Mapping):
        return {k: _plain(value[k]) for k in value}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _to_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str | int | float):
        return str(value)
    raise Unresolved(f"cannot interpolate {type(value).__name__} into a string")


# --------------------------------------------------------------------------------------------------
# Functions
# --------------------------------------------------------------------------------------------------


def _jsonencode(value: Any) -> str:
    return json.dumps(_plain(value), separators=(",", ":"))


def _merge(*maps: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for m in maps:
        out.update(_plain(m))
    return out


def _formatlist(fmt: str, *lists: Any) -> list[str]:
    seqs = [lst if isinstance(lst, list) else None for lst in lists]
    n = max((len(s) for s in seqs if s is not None), default=1)
    out = []
    for i in range(n):
        args = [s[i] if s is not None else lists[j] for j, s in enumerate(seqs)]
        out.append(fmt.replace("%s", "{}").replace("%d", "{}").format(*(_to_str(a) for a in args)))
    return out


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "jsonencode": _jsonencode,
    "jsondecode": lambda s: json.loads(s),
    "merge": _merge,
    "formatlist": _formatlist,
    "format": lambda fmt, *a: fmt.replace("%s", "{}").replace("%d", "{}").format(*(_to_str(x) for x in a)),
    "join": lambda sep, lst: sep.join(_to_str(x) for x in lst),
    "length": lambda v: len(v),
    "sort": lambda v: sorted(v),
    "toset": lambda v: sorted(dict.fromkeys(_plain(v))),
    "tolist": lambda v: list(_plain(v)),
    "tostring": _to_str,
    "distinct": lambda v: list(dict.fromkeys(_plain(v))),
    "alltrue": lambda v: all(v),
    "anytrue": lambda v: any(v),
    "concat": lambda *ls: [x for lst in ls for x in lst],
    "flatten": lambda v: [y for x in v for y in (x if isinstance(x, list) else [x])],
    "keys": lambda m: sorted(m),
    "values": lambda m: [m[k] for k in sorted(m)],
    "lookup": lambda m, k, *d: m[k] if k in m else d[0],
    "contains": lambda lst, v: v in lst,
    "compact": lambda lst: [x for x in lst if x not in (None, "")],
    "coalesce": lambda *a: next(x for x in a if x not in (None, "")),
    "lower": lambda s: s.lower(),
    "upper": lambda s: s.upper(),
    "replace": lambda s, a, b: s.replace(a, b),
    "startswith": lambda s, p: s.startswith(p),
    "endswith": lambda s, p: s.endswith(p),
    "substr": lambda s, o, n: s[o : o + n] if n >= 0 else s[o:],
    "element": lambda lst, i: lst[i % len(lst)],
    "one": lambda lst: lst[0] if lst else None,
    "can": lambda v: True,
    "min": min,
    "max": max,
}


# --------------------------------------------------------------------------------------------------
# Modules
# --------------------------------------------------------------------------------------------------


@dataclass
class Block:
    """One resource or data block: its type, name, file and raw attribute trees."""

    kind: str  # resource | data
    type: str
    name: str
    file: str
    attrs: dict[str, PTree]
    blocks: list[tuple[str, Block]] = field(default_factory=list)


@dataclass
class _Raw:
    path: str
    locals: dict[str, tuple[str, PTree]] = field(default_factory=dict)
    variables: dict[str, PTree | None] = field(default_factory=dict)
    outputs: dict[str, tuple[str, PTree]] = field(default_factory=dict)
    modules: dict[str, Block] = field(default_factory=dict)
    resources: dict[tuple[str, str], Block] = field(default_factory=dict)
    data: dict[tuple[str, str], Block] = field(default_factory=dict)
    providers: dict[str, str] = field(default_factory=dict)  # alias ("" default) -> region


def _ident(tree: PTree | Token) -> str:
    if isinstance(tree, Token):
        return str(tree)
    if tree.data in ("identifier", "keyword", "literal_value"):
        return str(tree.children[0])
    if tree.data == "string":
        parts = [c for c in tree.children if isinstance(c, Tree)]
        return "".join(str(p.children[0]) for p in parts)
    if tree.data == "expr_term" and len(tree.children) == 1:
        return _ident(tree.children[0])
    raise Unresolved(f"not a name: {tree.data}")


def _body_items(body: PTree) -> Iterator[PTree]:
    for child in body.children:
        if isinstance(child, Tree) and child.data in ("attribute", "block"):
            yield child


def _parse_block(node: PTree, kind: str, file: str) -> Block:
    labels = [c for c in node.children if isinstance(c, Tree) and c.data in ("identifier", "string", "keyword")]
    body = next(c for c in node.children if isinstance(c, Tree) and c.data == "body")
    attrs: dict[str, PTree] = {}
    blocks: list[tuple[str, Block]] = []
    for item in _body_items(body):
        if item.data == "attribute":
            value = item.children[-1]
            if not isinstance(value, Tree):
                raise Unresolved(f"{file}: attribute without an expression")
            attrs[_ident(item.children[0])] = value
        else:
            inner = _parse_block(item, "block", file)
            blocks.append((_ident(item.children[0]), inner))
    names = [_ident(x) for x in labels]
    return Block(kind, names[1] if len(names) > 1 else "", names[2] if len(names) > 2 else "", file, attrs, blocks)


@functools.cache
def _parser() -> Lark:
    """python-hcl2's own grammar and post-lexer without ``propagate_positions``: the same tree, minus the line and
    column of every node, which nothing here reads and which cost a third of the parse (lark caches the tables)."""
    return Lark.open(
        "hcl2.lark",
        rel_to=hcl2.parser.__file__,
        parser="lalr",
        propagate_positions=False,
        postlex=PostLexer(),
        cache=True,
    )


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> PTree:
    """python-hcl2's raw parse tree of some HCL; the same text (a block or file rendered twice) is parsed once."""
    # The newline python-hcl2's parses_to_tree appends too (lark has no end-of-file token for the grammar).
    tree: PTree = _parser().parse(text + "\n")
    return tree


def _items_of(tree: PTree, rel: str) -> list[PTree]:
    if not tree.children:
        return []  # only comments
    body = tree.children[0]
    if not isinstance(body, Tree):
        raise Unresolved(f"{rel}: no body")
    return list(_body_items(body))


# terraform fmt starts every top-level block at column 0 and indents everything inside one.
_TOP_LEVEL = re.compile(r"(?m)^(?=[a-z])")


@functools.lru_cache(maxsize=1024)
def _top_level_items(text: str, rel: str) -> tuple[PTree, ...]:
    """The top-level blocks of one file, each parsed on its own: most recur verbatim across stacks (variables,
    outputs, resources that read only var.*), so a block's text is parsed once for all of them. A block that
    column 0 does not delimit (a heredoc's unindented lines) makes a piece that does not parse; the file is then
    parsed whole, as a file that does not parse at all is."""
    try:
        return tuple(
            item for piece in _TOP_LEVEL.split(text) if piece.strip() for item in _items_of(_parse(piece), rel)
        )
    except LarkError:
        return tuple(_items_of(_parse(text), rel))


def _load_module(path: str, files: Mapping[str, str]) -> _Raw:
    raw = _Raw(path)
    prefix = f"{path}/" if path else ""
    for rel in sorted(files):
        if not rel.endswith(".tf") or not rel.startswith(prefix) or "/" in rel[len(prefix) :]:
            continue
        for item in _top_level_items(files[rel], rel):
            if item.data == "attribute":
                continue
            head = _ident(item.children[0])
            blk = _parse_block(item, head, rel)
            if head == "locals":
                for k, v in blk.attrs.items():
                    raw.locals[k] = (rel, v)
            elif head == "variable":
                raw.variables[blk.type] = blk.attrs.get("default")
            elif head == "output":
                raw.outputs[blk.type] = (rel, blk.attrs["value"])
            elif head == "module":
                raw.modules[blk.type] = blk
            elif head == "resource":
                raw.resources[(blk.type, blk.name)] = blk
            elif head == "data":
                raw.data[(blk.type, blk.name)] = blk
            elif head == "provider":
                alias = blk.attrs.get("alias")
                region = blk.attrs.get("region")
                raw.providers[_ident(alias) if alias is not None else ""] = _ident(region) if region else ""
    return raw


class Module:
    """One evaluated module instance: its inputs, locals, resources, data sources, children and outputs."""

    def __init__(self, stack: Stack, path: str, inputs: Mapping[str, Any], providers: Mapping[str, str]) -> None:
        self.stack = stack
        self.path = path
        self.raw = _load_module(path, stack.files)
        self.providers = dict(providers)  # alias ("" default) -> region
        self.vars = Lazy(
            sorted(set(self.raw.variables) | set(inputs)),
            lambda k: inputs[k] if k in inputs else self._default(k),
            f"{path or 'root'} var",
        )
        self.locals = Lazy(sorted(self.raw.locals), lambda k: self.eval(self.raw.locals[k][1]), f"{path} local")
        self.outputs = Lazy(sorted(self.raw.outputs), lambda k: self.eval(self.raw.outputs[k][1]), f"{path} output")
        self.children = Lazy(sorted(self.raw.modules), self._child, f"{path} module")
        self._objects: dict[tuple[str, str, str], Any] = {}

    def _default(self, name: str) -> Any:
        tree = self.raw.variables.get(name)
        if tree is None:
            raise Unresolved(f"{self.path or 'root'}: variable {name} has no value and no default")
        return self.eval(tree)

    def _child(self, name: str) -> Module:
        blk = self.raw.modules[name]
        source = _ident(blk.attrs["source"])
        if not source.startswith("./"):
            raise Unresolved(f"module {name}: only local sources are followed, not {source}")
        child_path = f"{self.path}/{source[2:]}" if self.path else source[2:]
        inputs = {k: self.eval(v) for k, v in blk.attrs.items() if k not in ("source", "providers", "depends_on")}
        providers = {"": self.providers[""]}
        if "providers" in blk.attrs:
            mapping = self._provider_map(blk.attrs["providers"])
            for inner, outer in mapping.items():
                providers[inner] = self.providers[outer]
        return Module(self.stack, child_path, inputs, providers)

    def _provider_map(self, tree: PTree) -> dict[str, str]:
        first = tree.children[0]
        obj = first if tree.data == "expr_term" and isinstance(first, Tree) else tree
        out: dict[str, str] = {}
        for elem in obj.children:
            if isinstance(elem, Tree) and elem.data == "object_elem":
                key = self._ref_text(elem.children[0])
                value = self._ref_text(elem.children[-1])
                out[key.partition(".")[2]] = value.partition(".")[2]
        return out

    def _ref_text(self, tree: PTree | Token) -> str:
        if isinstance(tree, Token):
            return str(tree)
        return ".".join(str(t) for t in tree.scan_values(lambda v: isinstance(v, Token) and v.type == "NAME"))

    # -- objects -----------------------------------------------------------------------------------

    def region_of(self, blk: Block) -> str:
        provider = blk.attrs.get("provider")
        alias = self._ref_text(provider).partition(".")[2] if provider is not None else ""
        return self.providers[alias]

    def resource(self, kind: str, type_: str, name: str) -> Any:
        key = (kind, type_, name)
        if key not in self._objects:
            table = self.raw.resources if kind == "resource" else self.raw.data
            blk = table.get((type_, name))
            if blk is None:
                raise Unresolved(f"{self.path}: no {kind} {type_}.{name}")
            if "count" in blk.attrs:
                count = self.eval(blk.attrs["count"])
                self._objects[key] = [self._object(blk, i) for i in range(count)]
            elif "for_each" in blk.attrs:
                raise Unresolved(f"{self.path}: for_each on {type_}.{name} is not followed")
            else:
                self._objects[key] = self._object(blk, None)
        return self._objects[key]

    def _object(self, blk: Block, index: int | None) -> Lazy:
        scope = {"count": {"index": index}} if index is not None else {}
        computed = _computed(self, blk, index)
        keys = sorted(set(blk.attrs) | set(computed))

        def compute(attr: str) -> Any:
            if attr in blk.attrs:
                return self.eval(blk.attrs[attr], scope)
            return computed[attr](lambda a: obj[a])

        obj = Lazy(keys, compute, f"{self.path}: {blk.type}.{blk.name}")
        return obj

    # -- expressions -------------------------------------------------------------------------------

    def eval(self, tree: PTree | Token, scope: Mapping[str, Any] | None = None) -> Any:
        return _Eval(self, dict(scope or {})).expr(tree)


class _Eval:
    def __init__(self, module: Module, scope: dict[str, Any]) -> None:
        self.m = module
        self.scope = scope

    def expr(self, t: PTree | Token) -> Any:
        if isinstance(t, Token):
            raise Unresolved(f"unexpected token {t!r}")
        handler = getattr(self, f"_{t.data}", None)
        if handler is None:
            raise Unresolved(f"{self.m.path}: expression kind {t.data!r} is not supported")
        return handler(t)

    def _sub(self, t: PTree) -> list[PTree]:
        return [c for c in t.children if isinstance(c, Tree) and c.data != "new_line_or_comment"]

    def _expr_term(self, t: PTree) -> Any:
        subs = self._sub(t)
        return self.expr(subs[0])

    def _int_lit(self, t: PTree) -> int:
        return int(str(t.children[0]))

    def _float_lit(self, t: PTree) -> float:
        return float(str(t.children[0]))

    def _literal_value(self, t: PTree) -> Any:
        return {"true": True, "false": False, "null": None}[str(t.children[0])]

    def _string(self, t: PTree) -> Any:
        parts = [c for c in t.children if isinstance(c, Tree)]
        values: list[Any] = []
        for part in parts:
            inner = part.children[0]
            if isinstance(inner, Token):
                if inner.type == "STRING_CHARS":
                    values.append(_unescape(str(inner)))
                elif inner.type in ("ESCAPED_INTERPOLATION", "ESCAPED_DIRECTIVE"):
                    values.append(str(inner)[1:])
                else:
                    raise Unresolved(f"string part {inner.type}")
            elif inner.data == "interpolation":
                values.append(self.expr(self._sub(inner)[0]))
            else:
                raise Unresolved(f"{self.m.path}: template directive {inner.data} is not supported")
        if len(values) == 1 and len(parts) == 1 and isinstance(parts[0].children[0], Tree):
            return values[0]  # "${x}" keeps the type of x
        return "".join(_to_str(v) for v in values)

    def _tuple(self, t: PTree) -> list[Any]:
        return [self.expr(c) for c in self._sub(t)]

    def _object(self, t: PTree) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for elem in self._sub(t):
            key_tree, value_tree = self._sub(elem)
            key_inner = self._sub(key_tree)[0] if key_tree.data == "object_elem_key" else key_tree
            bare = self._bare_name(key_inner)
            key = bare if bare is not None else _to_str(self.expr(key_inner))
            out[key] = self.expr(value_tree)
        return out

    def _bare_name(self, t: PTree) -> str | None:
        while t.data == "expr_term" and len(self._sub(t)) == 1:
            t = self._sub(t)[0]
        if t.data in ("identifier", "keyword"):
            return str(t.children[0])
        return None

    def _conditional(self, t: PTree) -> Any:
        cond, yes, no = self._sub(t)
        return self.expr(yes) if self.expr(cond) else self.expr(no)

    def _binary_op(self, t: PTree) -> Any:
        left, term = self._sub(t)
        op_tree, right = self._sub(term)
        op = str(op_tree.children[0])
        a = self.expr(left)
        if op == "&&":
            return bool(a) and bool(self.expr(right))
        if op == "||":
            return bool(a) or bool(self.expr(right))
        b = self.expr(right)
        ops: dict[str, Callable[[Any, Any], Any]] = {
            "==": lambda x, y: _plain(x) == _plain(y),
            "!=": lambda x, y: _plain(x) != _plain(y),
            "<": lambda x, y: x < y,
            ">": lambda x, y: x > y,
            "<=": lambda x, y: x <= y,
            ">=": lambda x, y: x >= y,
            "+": lambda x, y: x + y,
            "-": lambda x, y: x - y,
            "*": lambda x, y: x * y,
            "/": lambda x, y: x / y,
            "%": lambda x, y: x % y,
        }
        return ops[op](a, b)

    def _unary_op(self, t: PTree) -> Any:
        op = str(t.children[0])
        value = self.expr(t.children[1])
        return -value if op == "-" else not value

    def _function_call(self, t: PTree) -> Any:
        name = _ident(t.children[0])
        args_tree = next((c for c in t.children if isinstance(c, Tree) and c.data == "arguments"), None)
        arg_trees = self._sub(args_tree) if args_tree is not None else []
        if name == "try":
            for a in arg_trees:
                try:
                    return self.expr(a)
                except (Unresolved, KeyError, IndexError, TypeError):
                    continue
            raise Unresolved("try(): no argument could be evaluated")
        if name not in _FUNCTIONS:
            raise Unresolved(f"{self.m.path}: function {name}() is not supported")
        return _FUNCTIONS[name](*(self.expr(a) for a in arg_trees))

    def _identifier(self, t: PTree) -> Any:
        name = str(t.children[0])
        if name in self.scope:
            return self.scope[name]
        m = self.m
        if name == "var":
            return m.vars
        if name == "local":
            return m.locals
        if name == "module":
            return Lazy(sorted(m.raw.modules), lambda k: m.children[k].outputs, "module")
        if name == "data":
            types = sorted({ty for ty, _ in m.raw.data})
            return Lazy(
                types,
                lambda ty: Lazy(
                    sorted(n for tt, n in m.raw.data if tt == ty), lambda n: m.resource("data", ty, n), f"data.{ty}"
                ),
                "data",
            )
        if any(ty == name for ty, _ in m.raw.resources):
            return Lazy(
                sorted(n for ty, n in m.raw.resources if ty == name), lambda n: m.resource("resource", name, n), name
            )
        raise Unresolved(f"{m.path}: unknown name {name}")

    def _get_attr_expr_term(self, t: PTree) -> Any:
        base, attr = self._sub(t)
        return _get(self.expr(base), str(self._sub(attr)[0].children[0]))

    def _index_expr_term(self, t: PTree) -> Any:
        base, index = self._sub(t)
        return _index(self.expr(base), self._index_value(index))

    def _index_value(self, index: PTree) -> Any:
        if index.data == "short_index":
            return int(str(index.children[-1]))
        return self.expr(self._sub(index)[0])

    def _splat(self, t: PTree) -> list[Any]:
        base, splat = self._sub(t)
        value = self.expr(base)
        items = value if isinstance(value, list) else [value]
        out = []
        for item in items:
            for step in self._sub(splat):
                if step.data == "get_attr":
                    item = _get(item, str(self._sub(step)[0].children[0]))
                else:
                    item = _index(item, self._index_value(step))
            out.append(item)
        return out

    _full_splat_expr_term = _splat
    _attr_splat_expr_term = _splat

    def _for_tuple_expr(self, t: PTree) -> list[Any]:
        intro, *rest = self._sub(t)
        return [self._with(bound).expr(rest[0]) for bound in self._for_items(intro, rest[1:])]

    def _for_object_expr(self, t: PTree) -> dict[str, Any]:
        intro, *rest = self._sub(t)
        out = {}
        for bound in self._for_items(intro, rest[2:]):
            ev = self._with(bound)
            out[_to_str(ev.expr(rest[0]))] = ev.expr(rest[1])
        return out

    def _with(self, bound: dict[str, Any]) -> _Eval:
        return _Eval(self.m, {**self.scope, **bound})

    def _for_items(self, intro: PTree, cond: list[PTree]) -> Iterator[dict[str, Any]]:
        subs = self._sub(intro)
        names = [str(s.children[0]) for s in subs if s.data == "identifier"]
        collection = self.expr(subs[-1])
        pairs = list(collection.items()) if isinstance(collection, Mapping) else list(enumerate(collection))
        for k, v in pairs:
            bound = {names[0]: k, names[1]: v} if len(names) == 2 else {names[0]: v}
            if cond and not self._with(bound).expr(self._sub(cond[0])[0]):
                continue
            yield bound


def _unescape(text: str) -> str:
    out, i = [], 0
    escapes = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            nxt = text[i + 1]
            if nxt == "u":
                out.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
                continue
            out.append(escapes[nxt])
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _get(value: Any, attr: str) -> Any:
    if isinstance(value, Mapping):
        if attr not in value:
            raise Unresolved(f"no attribute {attr!r}")
        return value[attr]
    raise Unresolved(f"cannot read .{attr} of {type(value).__name__}")


def _index(value: Any, key: Any) -> Any:
    if isinstance(value, Mapping):
        return value[_to_str(key)]
    if isinstance(value, list):
        return value[int(key)]
    raise Unresolved(f"cannot index {type(value).__name__}")


# --------------------------------------------------------------------------------------------------
# Computed attributes: fixed test values derived from the resource's type and name
# --------------------------------------------------------------------------------------------------

Getter = Callable[[str], Any]


def _computed(module: Module, blk: Block, index: int | None) -> dict[str, Callable[[Getter], Any]]:
    region = module.region_of(blk)
    tag = f"{module.path}/{blk.type}.{blk.name}" + (f"[{index}]" if index is not None else "")
    svc = blk.type.removeprefix("aws_").split("_")[0]

    def arn(service: str, resource: str, *, reg: str = region, acct: str = ACCOUNT) -> str:
        return f"arn:{PARTITION}:{service}:{reg}:{acct}:{resource}"

    short = _digest(tag)
    t = blk.type
    c: dict[str, Callable[[Getter], Any]] = {}
    if blk.kind == "data":
        if t == "aws_caller_identity":
            c = {"account_id": lambda g: ACCOUNT, "arn": lambda g: f"arn:{PARTITION}:iam::{ACCOUNT}:root"}
        elif t == "aws_iam_session_context":
            c = {"issuer_arn": lambda g: f"arn:{PARTITION}:iam::{ACCOUNT}:role/terraform-deployer"}
        elif t == "aws_partition":
            c = {"partition": lambda g: PARTITION, "dns_suffix": lambda g: "amazonaws.com"}
        elif t == "aws_region":
            c = {"region": lambda g: region, "name": lambda g: region, "id": lambda g: region}
        elif t == "aws_availability_zones":
            c = {
                "zone_ids": lambda g: [f"{region[:2]}{region.split('-')[1][:1]}1-az{i}" for i in range(1, 7)],
                "names": lambda g: [f"{region}{x}" for x in "abcdef"],
            }
        else:
            c = {"id": lambda g: f"{t}-{short}", "arn": lambda g: arn(svc, f"{blk.name}/{short}")}
        return c
    c["id"] = lambda g: f"{t.removeprefix('aws_')}-{short}"
    if t == "aws_s3_bucket":
        c["bucket"] = lambda g: f"{g('bucket_prefix')}{short}{'0' * 9}"
        c["id"] = lambda g: g("bucket")
        c["arn"] = lambda g: f"arn:{PARTITION}:s3:::{g('bucket')}"
    elif t == "aws_kms_key":
        c["key_id"] = lambda g: _uuid(tag)
        c["id"] = lambda g: g("key_id")
        c["arn"] = lambda g: arn("kms", f"key/{g('key_id')}")
    elif t == "aws_kms_alias":
        c["arn"] = lambda g: arn("kms", g("name"))
    elif t == "aws_iam_role":
        c["arn"] = lambda g: f"arn:{PARTITION}:iam::{ACCOUNT}:role/{g('name')}"
        c["id"] = lambda g: g("name")
        c["unique_id"] = lambda g: "AROA" + short.upper()
    elif t == "aws_iam_policy":
        c["arn"] = lambda g: f"arn:{PARTITION}:iam::{ACCOUNT}:policy/{g('name')}"
        c["id"] = lambda g: g("arn")
    elif t in ("aws_iam_role_policy", "aws_iam_role_policy_attachment"):
        pass
    elif t == "aws_sns_topic":
        c["arn"] = lambda g: arn("sns", g("name"))
        c["id"] = lambda g: g("arn")
    elif t == "aws_cloudwatch_log_group":
        c["arn"] = lambda g: arn("logs", f"log-group:{g('name')}")
    elif t == "aws_cloudtrail":
        c["arn"] = lambda g: arn("cloudtrail", f"trail/{g('name')}")
    elif t == "aws_bedrock_guardrail":
        c["guardrail_id"] = lambda g: "gr" + short[:10]
        c["guardrail_arn"] = lambda g: arn("bedrock", f"guardrail/{g('guardrail_id')}")
        c["version"] = lambda g: "DRAFT"
    elif t == "aws_bedrock_guardrail_version":
        c["version"] = lambda g: "1"
    elif t in ("aws_vpc_endpoint", "aws_vpc", "aws_subnet", "aws_security_group", "aws_route_table"):
        prefix = {
            "aws_vpc_endpoint": "vpce",
            "aws_vpc": "vpc",
            "aws_subnet": "subnet",
            "aws_security_group": "sg",
            "aws_route_table": "rtb",
        }[t]
        c["id"] = lambda g: f"{prefix}-{short}"
        c["arn"] = lambda g: arn("ec2", f"{prefix if prefix != 'vpce' else 'vpc-endpoint'}/{g('id')}")
    else:
        c["arn"] = lambda g: arn(svc, f"{t.removeprefix('aws_')}/{blk.name}-{short[:8]}")
    return c


# --------------------------------------------------------------------------------------------------
# The stack and its policy documents
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Document:
    """A policy document found in the stack, with where it is and what it is attached to."""

    kind: str  # identity | boundary | trust | scp | key | bucket | endpoint | topic
    where: str  # module path and resource address, e.g. modules/s3: aws_s3_bucket_policy.audit
    file: str
    attached_to: str  # role name, bucket name, key ARN, endpoint id, topic ARN; "" for an SCP
    body: dict[str, Any]


_POLICY_ATTRS: dict[tuple[str, str], str] = {
    ("aws_iam_role", "assume_role_policy"): "trust",
    ("aws_iam_role_policy", "policy"): "identity",
    ("aws_iam_policy", "policy"): "managed",
    ("aws_kms_key", "policy"): "key",
    ("aws_s3_bucket_policy", "policy"): "bucket",
    ("aws_vpc_endpoint", "policy"): "endpoint",
    ("aws_sns_topic_policy", "policy"): "topic",
    ("aws_organizations_policy", "content"): "scp",
}


class Stack:
    """A rendered stack ({relative_path: text}), evaluated with the fixed test values."""

    def __init__(self, files: Mapping[str, str]) -> None:
        self.files = files
        raw_root = _load_module("", files)
        self.root = Module(self, "", {}, raw_root.providers)
        self._documents: list[Document] | None = None

    def module(self, name: str) -> Module:
        child: Module = self.root.children[name]
        return child

    def modules(self) -> Iterator[Module]:
        yield self.root
        for name in self.root.children:
            yield self.root.children[name]

    def documents(self) -> list[Document]:
        if self._documents is None:
            self._documents = list(self._collect())
        return self._documents

    def _collect(self) -> Iterator[Document]:
        for m in self.modules():
            if any(b.type == "aws_iam_policy_document" for b in m.raw.data.values()):
                raise Unresolved(f"{m.path}: aws_iam_policy_document data sources are not read yet")
            for (type_, name), blk in sorted(m.raw.resources.items()):
                for attr in blk.attrs:
                    kind = _POLICY_ATTRS.get((type_, attr))
                    if kind is None and "polic" not in attr:
                        continue
                    objs = m.resource("resource", type_, name)
                    for obj in objs if isinstance(objs, list) else [objs]:
                        value = obj[attr]
                        body = _as_policy(value)
                        if body is None:
                            if kind is not None and value is not None and attr != "permissions_boundary":
                                raise Unresolved(f"{m.path}: {type_}.{name}.{attr} is not a policy document")
                            continue
                        yield Document(
                            kind or attr,
                            f"{m.path or 'root'}: {type_}.{name}",
                            blk.file,
                            self._attached(m, type_, obj),
                            body,
                        )
            for name in m.raw.outputs if m.path == "" else ():
                body = _as_policy(m.outputs[name]) if "scp" in name else None
                if body is not None:
                    yield Document("scp", f"root: output.{name}", m.raw.outputs[name][0], "", body)

    def _attached(self, m: Module, type_: str, obj: Mapping[str, Any]) -> str:
        if type_ == "aws_iam_role":
            return str(obj["name"])
        if type_ in ("aws_iam_role_policy", "aws_iam_role_policy_attachment"):
            return str(obj["role"])
        if type_ == "aws_iam_policy":
            return str(obj["arn"])
        if type_ == "aws_kms_key":
            return str(obj["arn"])
        if type_ == "aws_s3_bucket_policy":
            return str(obj["bucket"])
        if type_ == "aws_vpc_endpoint":
            return str(obj["id"])
        if type_ == "aws_sns_topic_policy":
            return str(obj["arn"])
        return ""


def _as_policy(value: Any) -> dict[str, Any] | None:
    if isinstance(value, str) and value.lstrip().startswith("{"):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    value = _plain(value) if isinstance(value, Mapping) else value
    if isinstance(value, dict) and "Statement" in value:
        return value
    return None
