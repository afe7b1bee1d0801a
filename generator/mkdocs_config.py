"""The MkDocs configuration every language inherits: the generator's own mkdocs.yml, with a knowledge base's
mkdocs.yml merged over it when it brings one.

The merge works on YAML nodes, not on loaded values, so that tags such as `!!python/object/apply` (the toc slugify
function) pass through untouched for MkDocs' own loader. Mappings merge key by key; the lists that add behaviour
(plugins, hooks, extensions, extra CSS and JavaScript) are appended to, so that a knowledge base keeps the
generator's and adds its own; any other value is replaced.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from . import files
from .errors import DataError, Problem

APPENDED = ("plugins", "hooks", "markdown_extensions", "extra_css", "extra_javascript")
FILE = "mkdocs.yml"
# What a knowledge base's own mkdocs.yml may not set: each would run Python from its folder (hooks, python tags) or
# have MkDocs read or write files outside it (INHERIT, docs_dir, site_dir, theme.custom_dir, watch). A knowledge
# base is often someone else's: its configuration is data, like the rest of it. The generator's own file may.
CODE_OR_PATHS = {("hooks",), ("INHERIT",), ("docs_dir",), ("site_dir",), ("watch",), ("theme", "custom_dir")}
STANDARD_TAG = "tag:yaml.org,2002:"
PLAIN_TAGS = {STANDARD_TAG + kind for kind in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")}


@dataclass(frozen=True)
class BaseConfig:
    path: Path  # the merged file each language's config INHERITs
    hooks: list[str]  # absolute paths of the MkDocs hooks it names
    site_url: str  # "" when none is set


def write_base_config(defaults: Path, project: Path, out: Path) -> BaseConfig:
    """Merge `project`'s mkdocs.yml (if any) over the generator's and write it to `out`."""
    node = _compose(defaults / FILE, defaults)
    own = project / FILE
    if project.resolve() != defaults.resolve() and os.path.lexists(own):
        try:
            files.regular_file(own, project, project.name)
        except files.Refused as refused:
            raise DataError([Problem(f"{project.name}/{FILE}", None, refused.message, refused.fix)]) from None
        own_node = _compose(own, project)
        _refuse_code_and_paths(own_node, f"{project.name}/{FILE}")
        _merge(node, own_node)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(yaml.serialize(node, allow_unicode=True), encoding="utf-8")
    hooks = _value(node, "hooks")
    site_url = _value(node, "site_url")
    return BaseConfig(
        path=out,
        hooks=[h.value for h in hooks.value] if isinstance(hooks, yaml.SequenceNode) else [],
        site_url=site_url.value if isinstance(site_url, yaml.ScalarNode) else "",
    )


def _compose(path: Path, root: Path) -> yaml.MappingNode:
    shown = str(path.relative_to(root.parent)) if path.is_relative_to(root.parent) else str(path)
    try:
        node = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise DataError(
            [
                Problem(
                    shown,
                    mark.line + 1 if mark else None,
                    f"YAML syntax error: {error.problem}",
                    "check the indentation and quoting near this line",
                )
            ]  # fmt: skip
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise DataError([Problem(shown, None, f"cannot read the MkDocs configuration: {error}", "")]) from None
    if not isinstance(node, yaml.MappingNode):
        raise DataError(
            [Problem(shown, 1, "an MkDocs configuration is a mapping of settings", "start with site_name:")]
        )
    hooks = _value(node, "hooks")
    if isinstance(hooks, yaml.SequenceNode):  # hooks are named relative to their file; the merged file lives elsewhere
        for hook in hooks.value:
            hook.value = str((path.parent / hook.value).resolve())
    return node


def _refuse_code_and_paths(node: yaml.MappingNode, shown: str) -> None:
    problems = []
    for key, value in node.value:
        inner = value.value if isinstance(value, yaml.MappingNode) else []
        for path in [(key.value,), *((key.value, k.value) for k, _ in inner)]:
            if path in CODE_OR_PATHS:
                message = f"{'.'.join(path)}: a knowledge base's mkdocs.yml may not run code or name files outside it"
                problems.append(Problem(shown, key.start_mark.line + 1, message, f"remove '{path[-1]}:'"))
    stack: list[yaml.Node] = [node]
    while stack:
        each = stack.pop()
        if each.tag not in PLAIN_TAGS:
            fix = "write a plain value (a string, number, list or mapping) without a tag"
            problems.append(Problem(shown, each.start_mark.line + 1, f"the tag {each.tag!r} is not plain data", fix))
        if isinstance(each, yaml.SequenceNode):
            stack.extend(each.value)
        elif isinstance(each, yaml.MappingNode):
            stack.extend(part for pair in each.value for part in pair)
    if problems:
        raise DataError(sorted(problems, key=lambda p: p.line or 0))


def _value(node: yaml.MappingNode, key: str) -> yaml.Node | None:
    return next((value for name, value in node.value if name.value == key), None)


def _merge(base: yaml.MappingNode, over: yaml.MappingNode, top: bool = True) -> None:
    for key, value in over.value:
        index = next((i for i, (name, _) in enumerate(base.value) if name.value == key.value), None)
        if index is None:
            base.value.append((key, value))
            continue
        current = base.value[index][1]
        if isinstance(current, yaml.MappingNode) and isinstance(value, yaml.MappingNode):
            _merge(current, value, top=False)
        elif top and key.value in APPENDED and isinstance(current, yaml.SequenceNode):
            if isinstance(value, yaml.SequenceNode):
                for entry in value.value:  # an entry the generator already has is replaced (its options change)
                    same = [i for i, old in enumerate(current.value) if _name(old) == _name(entry)]
                    if same:
                        current.value[same[0]] = entry
                    else:
                        current.value.append(entry)
        else:
            base.value[index] = (base.value[index][0], value)


def _name(entry: yaml.Node) -> str | None:
    """What a list entry is: `attr_list`, or the single key of `- toc: {...}`."""
    if isinstance(entry, yaml.ScalarNode):
        return entry.value
    if isinstance(entry, yaml.MappingNode) and len(entry.value) == 1:
        return entry.value[0][0].value
    return None
