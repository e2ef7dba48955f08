"""How to run Apache Jena's SHACL validator: Debian's ``libapache-jena-java`` (Jena 4.5), from its
jars, with Java (``make system-packages`` installs both).

- The command is the class behind Jena's ``shacl validate`` script, ``shacl.shacl_validate`` in
  ``jena-cmds.jar``; it prints the validation report as Turtle.
- The classpath is Jena's jars and the jars of the packages ``libapache-jena-java`` depends on,
  named one by one: ``/usr/share/java/*`` would also bring both ``log4j-over-slf4j`` and
  ``slf4j-log4j12``, and SLF4J refuses to start with the two. ``slf4j-nop`` keeps Jena quiet.
- Debian builds Jena's embedded Xerces into the package ``xerces`` (upstream:
  ``org.apache.jena.ext.xerces``) but leaves its message files
  (``XMLSchemaMessages.properties``, ``DatatypeMessages.properties``, the regex ``message``
  files) under the upstream path in ``jena-core.jar``. Without them Xerces cannot build the XSD
  datatypes and Jena stops at start-up with ``RuntimeException: internal error`` in
  ``XSSimpleTypeDecl.applyFacets1``. The files are copied from the jar to where the moved
  classes look for them (``xerces/impl/msg/...``), in a folder put first on the classpath.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from caucasus_kg.checks.shacl_results import SEVERITIES, ShaclResult, result_order, show_term
from caucasus_kg.model.namespaces import SH, compact

JAVA_DIR = Path("/usr/share/java")
JARS = [
    # libapache-jena-java
    "jena-base", "jena-core", "jena-arq", "jena-iri", "jena-shacl", "jena-shex", "jena-cmds",
    "jena-rdfconnection", "jena-tdb", "jena-tdb2", "jena-dboe-base", "jena-dboe-index",
    "jena-dboe-storage", "jena-dboe-trans-data", "jena-dboe-transaction",
    # the packages it depends on
    "commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io",
    "commons-lang3", "dexx.collection", "gson", "guava", "httpclient", "httpcore",
    "jackson-core", "jackson-databind", "jackson-annotations", "jsonld-java", "jakarta.json-api",
    "protobuf", "slf4j-api", "slf4j-nop", "thrift", "titanium-json-ld",
]
UPSTREAM_XERCES = "org/apache/jena/ext/xerces/"
MOVED_XERCES = "xerces/"
COMMAND = "shacl.shacl_validate"
FILLED_IRI = re.compile(r"<(https?://[^<>\s]+)>")
INSTALL = "install Jena and Java: make system-packages (apt-get install libapache-jena-java " \
          "default-jre-headless)"


def message_files(folder: Path) -> Path:
    """A folder holding Xerces' message files where Debian's moved classes look for them."""
    with zipfile.ZipFile(JAVA_DIR / "jena-core.jar") as jar:
        names = set(jar.namelist())
        if MOVED_XERCES + "impl/dv/SchemaDVFactory.class" in names:
            for name in sorted(names):
                if name.startswith(UPSTREAM_XERCES) and name.endswith(".properties"):
                    target = folder / (MOVED_XERCES + name[len(UPSTREAM_XERCES):])
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(jar.read(name))
    return folder


def classpath(folder: Path) -> str:
    """The classpath; fails the test, saying what to install, when a jar is missing."""
    missing = [name for name in JARS if not (JAVA_DIR / f"{name}.jar").exists()]
    if missing or shutil.which("java") is None:
        pytest.fail(f"Jena SHACL needs {', '.join(missing) or 'java'}: {INSTALL}")
    return ":".join([str(message_files(folder)), *(str(JAVA_DIR / f"{n}.jar") for n in JARS)])


def validate(data: Path, shapes: Path, workdir: Path) -> Graph:
    """Jena's validation report of the data file (its format from its extension) as a graph."""
    done = subprocess.run(
        ["java", "-cp", classpath(workdir / "jena-classpath"), COMMAND,
         "--shapes", str(shapes), "--data", str(data)],
        capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        pytest.fail(f"Jena SHACL failed (exit {done.returncode}): {done.stderr[-3000:]}")
    return Graph().parse(data=done.stdout, format="turtle")


def results(report: Graph) -> list[ShaclResult]:
    """The report's results as this program reports them (what
    :func:`caucasus_kg.checks.shacl_reference.run_shacl` makes of pySHACL's report): a blank
    source shape (a property shape) is ``""``, values are shown as :func:`show_term` shows them.
    Jena writes an IRI filled into a message template (``{?source}``) as ``<iri>``, pySHACL and
    the SPARQL engine as the bare IRI: the brackets are dropped."""
    out = set()
    [report_node] = report.subjects(RDF.type, SH.ValidationReport)
    for result in report.objects(report_node, SH.result):
        path = report.value(result, SH.resultPath)
        shape = report.value(result, SH.sourceShape)
        value = report.value(result, SH.value)
        messages = sorted(FILLED_IRI.sub(r"\1", str(m))
                          for m in report.objects(result, SH.resultMessage))
        out.add(ShaclResult(
            focus=str(report.value(result, SH.focusNode)),
            path=compact(str(path)) if isinstance(path, URIRef) else None,
            severity=SEVERITIES.get(report.value(result, SH.resultSeverity), "error"),
            message=messages[0] if messages else "violates a shape",
            shape=compact(str(shape)) if isinstance(shape, URIRef) else "",
            value=show_term(value) if value is not None else None,
        ))
    return sorted(out, key=result_order)


def conforms(report: Graph) -> bool:
    [report_node] = report.subjects(RDF.type, SH.ValidationReport)
    return bool(report.value(report_node, SH.conforms).toPython())
