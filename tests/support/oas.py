"""Twilio's official OpenAPI specs as a test oracle (openapi-core), and a transport that records traffic.

The specs are Twilio's verbatim files (tests/twilio-oai, see its SOURCE.md); they are read, checked against
their published sha256, and never written. One known gap is patched in memory on a deep copy: form bodies
with array properties get `encoding: {prop: {style: form, explode: true, allowReserved: true}}`, so arrays
sent Twilio's way (the key repeated once per element) are read as arrays (docs/twilio-api.md,
appendix A). The same patch is written to temporary copies for Prism (tests/support/prism.py).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from jsonschema import Draft202012Validator
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from wizard.twilio.facts import HOSTS
from wizard.twilio.operations import OPERATIONS, Operation

SPEC_DIR = Path(os.environ.get("A2P_TWILIO_OAI_DIR") or Path(__file__).resolve().parents[1] / "twilio-oai")
"""Where Twilio's specs are (override with A2P_TWILIO_OAI_DIR)."""

SPEC_FILES = {
    "trusthub": "twilio_trusthub_v1.json",
    "messaging": "twilio_messaging_v1.json",
    "api": "twilio_api_v2010.json",
    "events": "twilio_events_v1.json",
}
SHA256 = {
    "trusthub": "a0d41b864e3e7b27112effa789e57cfd4a273c481f51adb5b62445517f9e9f29",
    "messaging": "ef8fb6b6bfee2334d3cad7ca58568a8984165a4337e7dbb1753d1c257a9e8a52",
    "api": "99cae87a6bb1725f71363364cbd30282a13140374b2d5f9bdd5bdfa5d4c8a6d7",
    "events": "cddf747d0ee3643957292f5f3d3941de11ae2fac61edf808e567e21e6e1f8a64",
}
"""sha256 of the verbatim copies (tests/twilio-oai/SOURCE.md): a test never runs on an edited spec."""

FORM = "application/x-www-form-urlencoded"
METHODS = ("get", "post", "delete", "put", "patch")

TWILIO_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["code", "message", "more_info", "status"],
    "properties": {
        "code": {"type": "integer"},
        "message": {"type": "string", "minLength": 1},
        "more_info": {"type": "string", "pattern": r"^https://www\.twilio\.com/docs/errors/\d+$"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "details": {"type": "object"},
    },
}
"""Twilio's synchronous error body (the specs describe none; docs/twilio-api.md §5)."""


# -- the specs -------------------------------------------------------------------------------------------


@cache
def raw_bytes(host: str) -> bytes:
    path = SPEC_DIR / SPEC_FILES[host]
    if not path.is_file():
        raise FileNotFoundError(f"Twilio's OpenAPI spec {path} is missing: set A2P_TWILIO_OAI_DIR to the folder "
                                "holding the verbatim twilio-oai copies (see tests/twilio-oai/SOURCE.md)")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256[host]:
        raise ValueError(f"{path} is not the verbatim Twilio spec (sha256 {digest}, expected {SHA256[host]})")
    return data


def raw(host: str) -> dict[str, Any]:
    """A fresh parse of the verbatim spec (callers may keep or change it)."""
    return json.loads(raw_bytes(host))


def patch_array_encoding(spec: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A deep copy of `spec` where each form body's array properties get an `encoding` (style form, explode,
    allowReserved); also the list of `METHOD path: Prop` patched. The input is left untouched."""
    patched = copy.deepcopy(spec)
    done = []
    for path, item in patched["paths"].items():
        for method in METHODS:
            body = (item.get(method) or {}).get("requestBody", {}).get("content", {}).get(FORM)
            if not body:
                continue
            schema = resolve(patched, body.get("schema", {}))
            arrays = [name for name, prop in (schema.get("properties") or {}).items()
                      if resolve(patched, prop).get("type") == "array"]
            for name in arrays:
                body.setdefault("encoding", {})[name] = {"style": "form", "explode": True, "allowReserved": True}
                done.append(f"{method.upper()} {path}: {name}")
    return patched, done


def resolve(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` (one level at a time, until a non-ref node)."""
    while "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


@cache
def spec(host: str) -> dict[str, Any]:
    """The patched spec of one host (cached: treat as read-only)."""
    return patch_array_encoding(raw(host))[0]


def _is_uri(value: Any) -> bool:
    parts = urlsplit(value) if isinstance(value, str) else None
    return parts is not None and parts.scheme in ("http", "https") and bool(parts.netloc) and " " not in value


REQUEST_FORMATS: dict[str, Callable[[Any], bool]] = {
    "uri": _is_uri,
    "iso-country-code": lambda v: not isinstance(v, str) or re.fullmatch(r"[A-Z]{2}", v) is not None,
    # The PhoneNumber list filter takes partial numbers with `*` wildcards (docs/twilio-api.md §2, 4.2).
    "phone-number": lambda v: not isinstance(v, str) or re.fullmatch(r"\+?[0-9*]{1,15}", v) is not None,
    "http-method": lambda v: v in ("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH"),
}
"""Formats the specs use that jsonschema does not check by itself (requests only: Twilio's own response
examples carry `""` in some `uri` fields)."""


@cache
def openapi(host: str, *, strict_formats: bool = False) -> OpenAPI:
    # The specs are Twilio's published files: checking their own validity is not this suite's job.
    config = Config(spec_validator_cls=None, extra_format_validators=REQUEST_FORMATS if strict_formats else None)
    return OpenAPI.from_dict(spec(host), config=config)


def _template_regex(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    return re.compile("".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts))


@cache
def _spec_paths() -> list[tuple[str, str, re.Pattern[str]]]:
    return [(host, path, _template_regex(path)) for host in SPEC_FILES for path in spec(host)["paths"]]


def spec_path_for(path: str) -> tuple[str, str]:
    """(host, spec path template) for a concrete URL path; exactly one template of the three specs matches."""
    found = [(host, template) for host, template, regex in _spec_paths() if regex.fullmatch(path)]
    literal = [f for f in found if "{" not in f[1]]
    found = literal or found
    if len(found) != 1:
        raise LookupError(f"{path} matches {len(found)} paths of Twilio's specs: {found}")
    return found[0]


def host_for_path(path: str) -> str:
    return spec_path_for(path)[0]


def spec_operation(op: Operation) -> tuple[str, str, dict[str, Any]]:
    """(spec path template, method, spec operation object) of one client operation."""
    shape = re.sub(r"\{[^}]+\}", "{}", op.path)
    paths = [p for p in spec(op.host)["paths"] if re.sub(r"\{[^}]+\}", "{}", p) == shape]
    if len(paths) != 1:
        raise LookupError(f"{op.name}: {op.host} spec has {len(paths)} paths shaped like {op.path}")
    found = spec(op.host)["paths"][paths[0]].get(op.method.lower())
    if found is None:
        raise LookupError(f"{op.name}: {op.method} is not an operation of {paths[0]} in Twilio's {op.host} spec")
    return paths[0], op.method, found


@cache
def _op_regexes() -> list[tuple[Operation, re.Pattern[str]]]:
    return [(op, _template_regex(op.path)) for op in OPERATIONS.values()]


def operation_for(method: str, path: str) -> tuple[Operation, dict[str, str]]:
    """The client operation a request belongs to, and the values of its path template."""
    for op, regex in _op_regexes():
        if op.method == method.upper() and (m := regex.fullmatch(path)):
            return op, m.groupdict()
    raise LookupError(f"{method} {path} is no operation of wizard.twilio.operations.OPERATIONS")


# -- openapi-core adapters for httpx ---------------------------------------------------------------------


class OpenAPIRequest:
    """openapi-core's Request protocol over an httpx.Request (its body must have been read).

    `host_url` is the spec's server for the path, so requests sent to a local base URL (sandbox server,
    Prism router) are judged against the right operation too.
    """

    def __init__(self, request: httpx.Request) -> None:
        self.request = request
        self.host_url = HOSTS[host_for_path(request.url.path)]
        self.path = request.url.path
        self.method = request.method.lower()
        self.body: bytes | None = request.content or None
        self.content_type = request.headers.get("content-type", "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True)),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )


class OpenAPIResponse:
    """openapi-core's Response protocol over an httpx.Response (read)."""

    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.headers = Headers(list(response.headers.items()))
        self.content_type = response.headers.get("content-type", "")
        self.data: bytes | None = response.content or None


def _schema_errors(error: BaseException) -> list[Any]:
    """The jsonschema errors behind an openapi-core error (empty when it has none)."""
    found: list[Any] = []
    while error is not None:
        found += list(getattr(error, "schema_errors", None) or ())
        error = error.__cause__  # type: ignore[assignment]
    return found


def _explain(error: BaseException, inner: list[Any] | None = None) -> str:
    lines = [f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"]
    cause = error.__cause__
    while cause is not None:
        lines.append(f"  caused by {type(cause).__name__}: {str(cause).splitlines()[0][:300]}")
        cause = cause.__cause__
    lines += [f"  - {'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}"
              for e in (_schema_errors(error) if inner is None else inner)]
    return "\n".join(lines)


def _operation_object(host: str, template: str, method: str) -> dict[str, Any] | None:
    return spec(host)["paths"][template].get(method.lower())


def _form_schema(host: str, operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {})
    return resolve(spec(host), content[FORM]["schema"]) if FORM in content else None


def twilio_conventions(request: httpx.Request) -> list[str]:
    """What Twilio needs beyond what openapi-core checks: no undocumented parameter (Twilio would ignore
    it silently), booleans spelled `true`/`false`, integers as digits, a key repeated only for arrays,
    and `Attributes` (untyped in the spec) as one JSON-encoded object (docs/twilio-api.md §1)."""
    host, template = spec_path_for(request.url.path)
    operation = _operation_object(host, template, request.method)
    if operation is None:
        return []
    problems: list[str] = []
    body = _form_schema(host, operation)
    query_params = {
        p["name"]: resolve(spec(host), p.get("schema", {}))
        for p in (resolve(spec(host), p) for p in operation.get("parameters", []))
        if p.get("in") == "query"
    }
    places = [("query", parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True), query_params)]
    if request.method == "POST":
        props = {k: resolve(spec(host), v) for k, v in ((body or {}).get("properties") or {}).items()}
        places.append(("form", form_pairs(request), props))
    for where, pairs, documented in places:
        seen: dict[str, int] = {}
        for key, value in pairs:
            seen[key] = seen.get(key, 0) + 1
            schema = documented.get(key)
            if schema is None:
                problems.append(f"{where} parameter {key!r} is not in Twilio's spec for {request.method} {template}")
                continue
            kind = schema.get("type") or ("array" if "items" in schema else None)
            item_kind = resolve(spec(host), schema.get("items", {})).get("type") if kind == "array" else kind
            if item_kind == "boolean" and value not in ("true", "false"):
                problems.append(f"{where} {key}={value!r}: Twilio booleans are `true` or `false`")
            if item_kind == "integer" and not re.fullmatch(r"-?[0-9]+", value):
                problems.append(f"{where} {key}={value!r} is not an integer")
            if key == "Attributes" and where == "form":
                try:
                    decoded = json.loads(value)
                except ValueError:
                    decoded = None
                if not isinstance(decoded, dict):
                    problems.append(f"form Attributes={value!r} is not a JSON-encoded object")
        for key, count in seen.items():
            kind = (documented.get(key) or {}).get("type")
            if count > 1 and kind != "array":
                problems.append(f"{where} parameter {key!r} sent {count} times but it is not an array")
    return problems


def request_errors(request: httpx.Request) -> list[str]:
    """Everything wrong with a request by Twilio's spec and conventions (empty = conforms)."""
    problems: list[str] = []
    path = request.url.path
    try:
        host, _ = spec_path_for(path)
    except LookupError as error:
        return [str(error)]
    if request.url.host.endswith("twilio.com") and f"{request.url.scheme}://{request.url.host}" != HOSTS[host]:
        problems.append(f"sent to {request.url.host}, but {path} belongs to {HOSTS[host]}")
    if request.method == "POST" and request.content:
        ctype = request.headers.get("content-type", "").split(";")[0].strip()
        if ctype != FORM:
            problems.append(f"body sent as {ctype!r}: Twilio takes {FORM} only")
    problems += [_explain(e) for e in openapi(host, strict_formats=True).iter_request_errors(OpenAPIRequest(request))]
    return problems + twilio_conventions(request)


# -- responses -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Conflict:
    """A value Twilio's spec contradicts itself about: its schema forbids it, its own example shows it."""

    host: str
    component: str
    field: str
    value: Any
    example: str
    why: str


SPEC_CONFLICTS = (
    Conflict("messaging", "messaging.v1.brand_registrations", "identity_status", None,
             "GET /v1/a2p/BrandRegistrations/{Sid} 200 fetchSoleProprietorPending",
             "identity_status is an enum without `nullable`, yet Twilio's example of a PENDING sole-proprietor "
             "brand shows null, as does the walkthrough (docs/twilio-api.md §2, 3.2); the sandbox keeps "
             "null until the brand is APPROVED"),
)
"""The only schema violations the response tests let through; tests check each is backed by its example."""


def _ref_name(node: dict[str, Any]) -> str | None:
    ref = node.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref.startswith("#/components/schemas/") else None


def component_of(host: str, schema: dict[str, Any], path: list[Any]) -> tuple[str | None, Any]:
    """The component schema that declares the last property of `path` (walking `schema` from the body)."""
    node, component = schema, _ref_name(schema)
    for part in path[:-1]:
        component = _ref_name(node) or component
        node = resolve(spec(host), node)
        node = node.get("items", {}) if isinstance(part, int) else (node.get("properties") or {}).get(part, {})
    component = _ref_name(node) or component
    return component, (path[-1] if path else None)


def raw_response_schema(op: Operation, status: int) -> dict[str, Any] | None:
    """The spec's JSON schema (unresolved: `$ref`s kept) of an operation's response for one status code."""
    _, _, found = spec_operation(op)
    response = found.get("responses", {}).get(str(status))
    if response is None:
        return None
    content = response.get("content", {}).get("application/json")
    return content["schema"] if content else None


def response_schema(op: Operation, status: int) -> dict[str, Any] | None:
    raw_schema = raw_response_schema(op, status)
    return None if raw_schema is None else resolve(spec(op.host), raw_schema)


def _tolerated(host: str, schema: dict[str, Any], error: Any) -> bool:
    component, field_name = component_of(host, schema, list(error.absolute_path))
    return any((c.host, c.component, c.field) == (host, component, field_name) and c.value == error.instance
               for c in SPEC_CONFLICTS)


def property_set_problems(host: str, schema: dict[str, Any], value: Any, where: str = "") -> list[str]:
    """Twilio answers with exactly the documented fields (null when empty): none missing, none invented."""
    node = resolve(spec(host), schema)
    problems: list[str] = []
    if isinstance(value, dict) and "properties" in node:
        props = node["properties"]
        problems += [f"{where}/{k}: not in the spec's schema" for k in value if k not in props]
        problems += [f"{where}/{k}: documented field missing" for k in props if k not in value]
        for k, v in value.items():
            if k in props:
                problems += property_set_problems(host, props[k], v, f"{where}/{k}")
    elif isinstance(value, list) and "items" in node:
        for i, item in enumerate(value):
            problems += property_set_problems(host, node["items"], item, f"{where}/{i}")
    return problems


def response_errors(request: httpx.Request, response: httpx.Response) -> list[str]:
    """Everything wrong with a response by Twilio's spec: the operation's schema for its status code
    (bar SPEC_CONFLICTS) with exactly its documented fields, or Twilio's error shape for a 4xx/5xx (which
    the specs do not describe)."""
    if response.status_code >= 400:
        return twilio_error_problems(response)
    op = operation_for(request.method, request.url.path)[0]
    host = op.host
    problems: list[str] = []
    for error in openapi(host).iter_response_errors(OpenAPIRequest(request), OpenAPIResponse(response)):
        inner = _schema_errors(error)
        schema = raw_response_schema(op, response.status_code) or {}
        left = [e for e in inner if not _tolerated(host, schema, e)]
        if not inner or left:
            problems.append(_explain(error, left))
    schema = raw_response_schema(op, response.status_code)
    if schema is not None and response.content:
        problems += property_set_problems(host, schema, response.json())
    return problems


def example_values(host: str, component: str, field_name: str) -> dict[str, list[Any]]:
    """Every value Twilio's response examples give `field_name` in objects of schema `component`,
    keyed by `METHOD path status example-name`."""
    found: dict[str, list[Any]] = {}

    def walk(schema: dict[str, Any], value: Any, where: str) -> None:
        node = resolve(spec(host), schema)
        if isinstance(value, dict) and "properties" in node:
            if _ref_name(schema) == component and field_name in value:
                found.setdefault(where, []).append(value[field_name])
            for k, v in value.items():
                if k in node["properties"]:
                    walk(node["properties"][k], v, where)
        elif isinstance(value, list) and "items" in node:
            for item in value:
                walk(node["items"], item, where)

    for path, item in spec(host)["paths"].items():
        for method in METHODS:
            for status, response in ((item.get(method) or {}).get("responses") or {}).items():
                content = (response.get("content") or {}).get("application/json") or {}
                for name, example in (content.get("examples") or {}).items():
                    walk(content.get("schema", {}), example.get("value"), f"{method.upper()} {path} {status} {name}")
    return found


def twilio_error_problems(response: httpx.Response) -> list[str]:
    if not response.headers.get("content-type", "").startswith("application/json"):
        return [f"error {response.status_code} is not JSON ({response.headers.get('content-type')!r})"]
    body = response.json()
    problems = [f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}"
                for e in Draft202012Validator(TWILIO_ERROR_SCHEMA).iter_errors(body)]
    if isinstance(body, dict) and body.get("status") != response.status_code:
        problems.append(f"status {body.get('status')} in the body, {response.status_code} on the response")
    if isinstance(body, dict) and not str(body.get("more_info", "")).endswith(f"/{body.get('code')}"):
        problems.append(f"more_info {body.get('more_info')!r} does not name code {body.get('code')}")
    return problems


# -- recording traffic -----------------------------------------------------------------------------------


@dataclass
class Exchange:
    """One request the client sent and what came back (None when the transport raised)."""

    scenario: str
    request: httpx.Request
    response: httpx.Response | None

    @property
    def operation(self) -> Operation:
        return operation_for(self.request.method, self.request.url.path)[0]

    def label(self) -> str:
        status = self.response.status_code if self.response is not None else "no response"
        return f"[{self.scenario}] {self.request.method} {self.request.url} -> {status}"


class Recorder(httpx.AsyncBaseTransport):
    """Passes requests to `inner` and keeps every (request, response) pair, in order."""

    def __init__(self, inner: httpx.AsyncBaseTransport, scenario: str = "") -> None:
        self.inner = inner
        self.scenario = scenario
        self.exchanges: list[Exchange] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        try:
            response = await self.inner.handle_async_request(request)
        except Exception:
            self.exchanges.append(Exchange(self.scenario, request, None))
            raise
        await response.aread()
        self.exchanges.append(Exchange(self.scenario, request, response))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def form_pairs(request: httpx.Request) -> list[tuple[str, str]]:
    return parse_qsl(request.content.decode("utf-8"), keep_blank_values=True) if request.content else []


def call_arguments(request: httpx.Request) -> tuple[str, dict[str, Any] | None, dict[str, Any] | None,
                                                     dict[str, str]]:
    """(operation name, params, query, path values) that make TwilioClient.call send this request again;
    repeated keys become lists, so the client re-encodes the same form body."""
    op, path = operation_for(request.method, request.url.path)

    def grouped(pairs: list[tuple[str, str]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in pairs:
            out[key] = [*out[key], value] if isinstance(out.get(key), list) else (
                [out[key], value] if key in out else value)
        return out

    path.pop("account", None)
    params = (grouped(form_pairs(request)) or None) if op.method == "POST" else None
    query = grouped(parse_qsl(request.url.query.decode("ascii"), keep_blank_values=True)) or None
    return op.name, params, query, path

