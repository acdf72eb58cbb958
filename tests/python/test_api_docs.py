"""The public Python API documents itself: every public function, class and method has a
docstring, and every public function and method has type hints on its parameters and result
(the package ships py.typed)."""

import inspect
import os

import seqfeat as sf


def public_callables():
    """(qualified name, object) for every public function and every public method of a public
    class exported by seqfeat (and its public submodules)."""
    modules = [sf, sf.ragged, sf.normalizers, sf.optimizers, sf.data]
    seen = set()
    for module in modules:
        for name in getattr(module, "__all__", [n for n in dir(module) if not n.startswith("_")]):
            obj = getattr(module, name)
            if inspect.ismodule(obj) or id(obj) in seen:
                continue
            seen.add(id(obj))
            if inspect.isfunction(obj):
                yield f"{module.__name__}.{name}", obj
            elif inspect.isclass(obj) and obj.__module__.startswith("seqfeat"):
                yield f"{module.__name__}.{name}", obj
                members = {}
                for klass in reversed(obj.__mro__):  # own and inherited seqfeat methods
                    if klass.__module__.startswith("seqfeat"):
                        members.update(vars(klass))
                for attr, member in members.items():
                    if attr.startswith("_") and attr not in ("__init__", "__call__"):
                        continue
                    if isinstance(member, property):
                        member = member.fget
                    elif isinstance(member, (classmethod, staticmethod)):
                        member = member.__func__
                    if inspect.isfunction(member):
                        yield f"{module.__name__}.{name}.{attr}", member


def test_every_public_function_class_and_method_has_a_docstring():
    missing = [name for name, obj in public_callables()
               if not (inspect.getdoc(obj) or "").strip()
               and not name.endswith(".__init__")]
    assert missing == []


def test_every_public_function_and_method_has_type_hints():
    missing = []
    for name, obj in public_callables():
        if inspect.isclass(obj):
            continue
        # Columns are made by the constructor functions; their classes' __init__ is internal.
        owner = getattr(sf, name.split(".")[1], None) if name.count(".") == 2 else None
        if name.endswith(".__init__") and inspect.isclass(owner) and \
                issubclass(owner, sf.FeatureColumn):
            continue
        signature = inspect.signature(obj)
        for parameter in signature.parameters.values():
            if parameter.name in ("self", "cls"):
                continue
            if parameter.annotation is inspect.Parameter.empty:
                missing.append(f"{name}({parameter.name})")
        if signature.return_annotation is inspect.Signature.empty and \
                not name.endswith(".__init__"):
            missing.append(f"{name} -> ?")
    assert missing == []


def test_package_is_marked_typed_and_versioned():
    assert os.path.isfile(os.path.join(os.path.dirname(sf.__file__), "py.typed"))
    assert sf.__version__ == sf.library_version()
    major, minor, patch = (int(p) for p in sf.__version__.split("."))
    assert (major, minor, patch) >= (0, 1, 0)
