"""Every event type the code records, read from the source (an AST scan), for
tests/eventlog/test_labels.py.

An event is written only by `event_record` or `event_statement` (DESIGN.md seam 9). The scan
finds each call and follows its `type` back to string literals:

- a literal (`type="assignment.approved"`), an f-string (`type=f"solidarity.{kind}"`), a
  conditional expression, or a local name assigned such values in the same function
  (`kind = "ballot.cast"` ... `kind = "ballot.changed"`) or looping over a literal tuple;
- a parameter of the enclosing function (a helper such as `_event(type, project, actor)`):
  then every call of that function, in its own module, in a module importing it (aliased or
  re-exported) or as `module.helper(...)`, and the argument given there, recursively
  (`steward_elect` -> `_role_change(event_type=...)`);
- `event_record(**event)` with `event` a parameter (the ledger's `_move(event={...})`): the
  `"type"` of the dict literal at each call.

What it cannot follow (a type read from a table or a setting, a loop over a computed list, a
helper with no call or handed over as a value, e.g. to `batch_run`) is reported by place, so
a new way of choosing a type fails the test until it is written as a literal or the scan
learns it: a type cannot slip past the label check unseen."""

import ast
import itertools
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PACKAGES = ("coop", "accounts", "ledger", "tasks")  # the application code (tests/test_architecture.py)
RECORDERS = frozenset({"event_record", "event_statement"})


@dataclass
class Module:
    name: str
    path: Path
    tree: ast.Module
    parents: dict = field(default_factory=dict)
    calls: list = field(default_factory=list)
    names: list = field(default_factory=list)  # every `Name` read (a helper handed over as a value shows here)
    imported: dict = field(default_factory=dict)  # local name -> (module, name) of `from m import name`
    modules: dict = field(default_factory=dict)  # local name -> module of `import m as name`


@dataclass
class Scan:
    types: dict = field(default_factory=dict)  # type -> sorted places "path:line" of the calls recording it
    unresolved: list = field(default_factory=list)  # "path:line: why"


class _Unresolved(Exception):
    pass


def _module_name(path, root):
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _absolute(name, path, node):
    """The module a `from ... import` names, relative imports made absolute."""
    if node.level == 0:
        return node.module
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    package = package[:len(package) - (node.level - 1)]
    return ".".join([*package, node.module] if node.module else package)


def _load(root, packages):
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            module = Module(name=_module_name(path, root), path=path, tree=tree)
            for node in ast.walk(tree):
                for child in ast.iter_child_nodes(node):
                    module.parents[child] = node
                if isinstance(node, ast.Call):
                    module.calls.append(node)
                elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
                    module.names.append(node)
                elif isinstance(node, ast.ImportFrom):
                    source = _absolute(module.name, path, node)
                    for alias in node.names:
                        module.imported[alias.asname or alias.name] = (source, alias.name)
                elif isinstance(node, ast.Import):
                    for alias in node.names:
                        if alias.asname:
                            module.modules[alias.asname] = alias.name
            modules[module.name] = module
    return modules


def _callee(call):
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _records(module, call):
    """Is this a call of `event_record` or `event_statement`, under any name it was imported as?"""
    if isinstance(call.func, ast.Name) and call.func.id in module.imported:
        source, name = module.imported[call.func.id]
        return source == "coop.eventlog.services" and name in RECORDERS
    return _callee(call) in RECORDERS


def _enclosing_function(module, node):
    while node in module.parents:
        node = module.parents[node]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return node
    return None


def _parameters(function):
    args = function.args
    return [a.arg for a in (*args.posonlyargs, *args.args)], [a.arg for a in args.kwonlyargs]


def _default(function, name):
    args = function.args
    positional = [*args.posonlyargs, *args.args]
    offset = len(positional) - len(args.defaults)
    for i, arg in enumerate(positional):
        if arg.arg == name and i >= offset:
            return args.defaults[i - offset]
    for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
        if arg.arg == name:
            return default
    return None


class _Resolver:
    def __init__(self, modules, root):
        self.modules, self.root = modules, root
        self.calls = []  # (module, call) for every call in the code
        for module in modules.values():
            self.calls += [(module, call) for call in module.calls]
        self.following = set()

    def place(self, module, node):
        return f"{module.path.relative_to(self.root)}:{node.lineno}"

    # --- a string expression: the set of values it can take ---------------------------------
    def strings(self, module, function, expr):
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return {expr.value}
        if isinstance(expr, ast.JoinedStr):
            parts = []
            for value in expr.values:
                if isinstance(value, ast.Constant):
                    parts.append({str(value.value)})
                elif isinstance(value, ast.FormattedValue) and value.conversion == -1 and value.format_spec is None:
                    parts.append(self.strings(module, function, value.value))
                else:
                    raise _Unresolved(f"{self.place(module, expr)}: a formatted part of an f-string")
            return {"".join(p) for p in itertools.product(*parts)}
        if isinstance(expr, ast.IfExp):
            return self.strings(module, function, expr.body) | self.strings(module, function, expr.orelse)
        if isinstance(expr, ast.Name):
            return self.name(module, function, expr, self.strings)
        raise _Unresolved(f"{self.place(module, expr)}: {ast.unparse(expr)}")

    # --- a dict expression passed as `**event`: the values of its "type" ---------------------
    def dict_types(self, module, function, expr):
        if isinstance(expr, ast.Dict):
            for key, value in zip(expr.keys, expr.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "type":
                    return self.strings(module, function, value)
            raise _Unresolved(f"{self.place(module, expr)}: an event dict without a literal \"type\" key")
        if isinstance(expr, ast.Name):
            return self.name(module, function, expr, self.dict_types)
        raise _Unresolved(f"{self.place(module, expr)}: {ast.unparse(expr)}")

    def name(self, module, function, expr, resolve):
        """A name: a parameter of `function` (follow its callers), else a local assignment."""
        if function is not None and not isinstance(function, ast.Lambda):
            positional, keyword_only = _parameters(function)
            if expr.id in positional or expr.id in keyword_only:
                return self.callers(module, function, expr.id, resolve)
        scope = function if function is not None else module.tree
        values = self.bindings(module, scope, expr.id)
        if not values and function is not None:  # a module constant
            values = self.bindings(module, module.tree, expr.id, top_level=True)
        if not values:
            raise _Unresolved(f"{self.place(module, expr)}: the name {expr.id} is not assigned a literal")
        found = set()
        for value in values:
            found |= resolve(module, function, value)
        return found

    def bindings(self, module, scope, name, top_level=False):
        """The expressions bound to `name` in `scope`: `name = x`, `name: T = x`, and each item
        of `for name in (x, y)`; any other binding (unpacking, `+=`, `with ... as`, `:=`, a
        loop over something else) cannot be followed."""
        values = []
        nodes = scope.body if top_level else ast.walk(scope)
        for node in nodes:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id == name:
                        values.append(node.value)
                    elif any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target)):
                        raise _Unresolved(f"{self.place(module, node)}: {name} is unpacked")
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
                if node.value is not None:
                    values.append(node.value)
            elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension) and any(
                    isinstance(n, ast.Name) and n.id == name for n in ast.walk(node.target)):
                if not (isinstance(node.target, ast.Name) and isinstance(node.iter, ast.Tuple | ast.List | ast.Set)):
                    raise _Unresolved(f"{self.place(module, node.iter)}: {name} takes the items of "
                                      f"{ast.unparse(node.iter)}")
                values += node.iter.elts
            elif isinstance(node, ast.AugAssign | ast.NamedExpr | ast.withitem):
                target = node.optional_vars if isinstance(node, ast.withitem) else node.target
                if target is not None and any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(target)):
                    raise _Unresolved(f"{self.place(module, target)}: {name} is bound in a way the scan "
                                      "does not follow")
        return values

    def callers(self, module, function, parameter, resolve):
        """The values every call of `function` passes as `parameter`."""
        key = (module.name, function.name, function.lineno, parameter, resolve.__name__)
        if key in self.following:  # recursion: what the other path finds
            return set()
        self.following.add(key)
        positional, _keyword_only = _parameters(function)
        if isinstance(module.parents.get(function), ast.ClassDef) and positional:
            positional = positional[1:]  # self, cls
        found, calls = set(), 0
        for caller_module, call in self.calls:
            if not self._reaches(caller_module, call, module, function):
                continue
            calls += 1
            caller = _enclosing_function(caller_module, call)
            given = next((k.value for k in call.keywords if k.arg == parameter), None)
            if given is None and parameter in positional:
                index = positional.index(parameter)
                if index < len(call.args) and not any(isinstance(a, ast.Starred) for a in call.args[:index + 1]):
                    given = call.args[index]
            if given is None and any(k.arg is None for k in call.keywords):
                raise _Unresolved(f"{self.place(caller_module, call)}: {function.name}(**...) hides {parameter}")
            if given is None:
                given = _default(function, parameter)
            if given is None:
                raise _Unresolved(f"{self.place(caller_module, call)}: {function.name}() without {parameter}")
            found |= resolve(caller_module, caller, given)
        for caller_module in self.modules.values():
            for node in caller_module.names:
                parent = caller_module.parents.get(node)
                called = isinstance(parent, ast.Call) and parent.func is node
                if not called and self._names(caller_module, node.id, module, function):
                    raise _Unresolved(f"{self.place(caller_module, node)}: {function.name} is handed over as a "
                                      "value, so its calls cannot be read")
        if calls == 0:
            raise _Unresolved(f"{self.place(module, function)}: {function.name}() records the type its caller "
                              f"gives as {parameter}, and no call of it was found")
        return found

    def _names(self, caller_module, name, module, function):
        """Does the bare `name` in `caller_module` mean `function` (a module-level one)?"""
        if name in caller_module.imported:  # also `from m import f as g`
            return self._origin(caller_module.imported[name]) == (module.name, function.name)
        return (caller_module is module and name == function.name
                and not isinstance(module.parents.get(function), ast.ClassDef))

    def _reaches(self, caller_module, call, module, function):
        """Is this call (by name) one of `function`? In its own module, by a name imported from
        it, or as a method (`obj.name(...)`) of a function defined in a class."""
        if isinstance(call.func, ast.Name) and call.func.id in caller_module.imported:
            return self._names(caller_module, call.func.id, module, function)
        if _callee(call) != function.name:
            return False
        if isinstance(module.parents.get(function), ast.ClassDef):
            return isinstance(call.func, ast.Attribute)
        if isinstance(call.func, ast.Attribute):  # `services.helper(...)` with `services` the module
            owner = call.func.value
            if not isinstance(owner, ast.Name):
                return False
            named = caller_module.modules.get(owner.id)
            if named is None and owner.id in caller_module.imported:
                named = ".".join(caller_module.imported[owner.id])
            return named == module.name
        return caller_module is module  # imported names were handled above

    def _origin(self, imported):
        """Follow re-exports (`from .requests import helper` in a package's __init__)."""
        seen = set()
        while imported is not None and imported not in seen:
            seen.add(imported)
            source = self.modules.get(imported[0])
            if source is None or imported[1] not in source.imported:
                return imported
            imported = source.imported[imported[1]]
        return imported


def recorded_types(root=ROOT, packages=PACKAGES):
    """Scan the code under `root`: every event type it records, with where, and what the scan
    could not follow."""
    modules = _load(root, packages)
    resolver = _Resolver(modules, root)
    scan = Scan()
    places = {}
    for module, call in resolver.calls:
        if not _records(module, call):
            continue
        if module.name == "coop.eventlog.services":
            continue  # the recorders themselves (event_record calls event_statement with its own type)
        function = _enclosing_function(module, call)
        try:
            given = next((k.value for k in call.keywords if k.arg == "type"), None)
            if given is not None:
                found = resolver.strings(module, function, given)
            else:
                spread = [k.value for k in call.keywords if k.arg is None]
                if len(spread) != 1:
                    raise _Unresolved(f"{resolver.place(module, call)}: no type= and no single **event")
                found = resolver.dict_types(module, function, spread[0])
        except _Unresolved as error:
            scan.unresolved.append(str(error))
            continue
        finally:
            resolver.following.clear()
        for type_ in found:
            places.setdefault(type_, set()).add(resolver.place(module, call))
    scan.types = {t: sorted(p) for t, p in sorted(places.items())}
    scan.unresolved.sort(key=lambda line: (line.split(":")[0], int(line.split(":")[1])))  # file, then line
    return scan
