#!/usr/bin/env python3
"""Checks that the Dockerfile's runtime stage installs every shared library the binary needs.

    scripts/check-image-libraries.py Dockerfile BINARY

No image can be built here (no Docker engine), so this is the check instead: each library
`ldd BINARY` resolves, and each one the sources open with dlopen (a "lib*.so.N" literal in a
Swift file that calls dlopen: OpenBLAS, opened when first needed; found with `ldconfig -p`,
as dlopen finds it), is mapped to the Debian package that ships it (`dpkg -S`), and that
package must be installed in the runtime stage: listed on its `apt-get install` line, pulled
in by one of those (Depends and Pre-Depends, recursively, as apt would), or part of the base
image (Debian's Priority: required packages and their dependencies, which debian:*-slim keeps).
Libraries of the Swift toolchain are linked in by --static-swift-stdlib, which the build
stage must use (on a RUN line, or in a script of this repository that one runs, such as
scripts/build-static.sh). Exits 1 naming each library not covered.
"""
import os
import re
import subprocess
import sys

# Libraries of swift-corelibs-foundation beyond FoundationEssentials.
FORBIDDEN = ("libFoundation.so", "libFoundationInternationalization.so", "lib_FoundationICU.so", "libFoundationXML.so", "libFoundationNetworking.so")


def stages(dockerfile):
    text = open(dockerfile).read().replace("\\\n", " ")
    found = []
    for line in text.splitlines():
        if re.match(r"\s*FROM\s", line, re.I):
            found.append([])
        if found:
            found[-1].append(line)
    return found


def with_scripts(stage, root):
    """The stage's lines, and those of each script of the repository a RUN line runs."""
    lines = list(stage)
    for line in stage:
        if re.match(r"\s*RUN\s", line, re.I):
            for path in re.findall(r"(?:\./)?(scripts/[\w./-]+\.sh)", line):
                script = open(os.path.join(root, path)).read().replace("\\\n", " ").splitlines()
                lines += [text for text in script if not text.lstrip().startswith("#")]
    return lines


def installed_by(stage):
    packages = set()
    for line in stage:
        for command in line.split("&&"):
            words = command.split()
            if "apt-get" in words and "install" in words:
                packages |= {w for w in words[words.index("install") + 1:] if not w.startswith("-") and "=" not in w}
    return packages


def dpkg_query(field, package):
    result = subprocess.run(["dpkg-query", "-W", "-f", "${" + field + "}", package], capture_output=True, text=True)
    return result.stdout if result.returncode == 0 else None


def closure(packages):
    """The packages and everything they depend on, alternatives taken where installed."""
    seen, todo = set(), list(packages)
    while todo:
        package = todo.pop()
        if package in seen:
            continue
        seen.add(package)
        depends = " ".join(filter(None, [dpkg_query("Depends", package), dpkg_query("Pre-Depends", package)]))
        for clause in filter(None, (c.strip() for c in depends.split(","))):
            options = [re.sub(r"[ (:].*", "", option.strip()) for option in clause.split("|")]
            chosen = next((o for o in options if dpkg_query("Status", o) and "installed" in dpkg_query("Status", o)), options[0])
            todo.append(chosen)
    return seen


def owning_package(*paths):
    """The package that ships one of `paths`; dpkg knows a file by the path its package gave,
    which after Debian's merged /usr may be the /lib one or the /usr/lib one."""
    candidates = []
    for path in paths:
        candidates += [path, re.sub(r"^/usr/lib/", "/lib/", path), re.sub(r"^/lib/", "/usr/lib/", path)]
    for candidate in dict.fromkeys(candidates):
        owner = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if owner.returncode == 0:
            return owner.stdout.split(":")[0]
    return None


def base_image():
    listing = subprocess.run(["dpkg-query", "-W", "-f", "${Package} ${Priority}\n"], capture_output=True, text=True).stdout
    return {line.split()[0] for line in listing.splitlines() if line.endswith(" required")}


def libraries(binary, root):
    """(name, path as the loader finds it) of each library the binary links or opens."""
    found = {}
    for line in subprocess.check_output(["ldd", binary], text=True).splitlines():
        match = re.match(r"\s*(\S+) => (/\S+)", line)
        if match:
            found[os.path.realpath(match.group(2))] = (match.group(1), match.group(2))
    cache = subprocess.check_output(["ldconfig", "-p"], text=True)
    for folder, _, files in os.walk(os.path.join(root, "Sources")):
        for file in (f for f in files if f.endswith(".swift")):
            text = open(os.path.join(folder, file)).read()
            if "dlopen(" not in text:
                continue
            for name in sorted(set(re.findall(r'"(lib[\w.+-]+\.so\.\d+)"', text))):
                paths = re.findall(rf"^\s*{re.escape(name)} \(.*\) => (/\S+)$", cache, re.M)
                if not paths:
                    sys.exit(f"{name}, which {file} opens with dlopen, is not installed here")
                found.setdefault(os.path.realpath(paths[0]), (name, paths[0]))
    return list(found.values())


def main():
    dockerfile, binary = sys.argv[1], sys.argv[2]
    found = stages(dockerfile)
    build, runtime = found[0], found[-1]
    if not any("--static-swift-stdlib" in line for line in with_scripts(build, os.path.dirname(os.path.abspath(dockerfile)))):
        sys.exit("the build stage does not link the Swift runtime statically (--static-swift-stdlib)")
    runtime_packages = installed_by(runtime)
    available = closure(runtime_packages | base_image())
    swift_root = os.path.realpath(os.path.join(os.path.dirname(subprocess.check_output(["which", "swift"], text=True).strip()), ".."))
    problems, covered = [], []
    for name, found_at in libraries(binary, os.path.dirname(os.path.abspath(dockerfile))):
        path = os.path.realpath(found_at)
        if name in FORBIDDEN:
            problems.append(f"{name}: the binary links Foundation beyond FoundationEssentials (an `import Foundation`, or a package that has one)")
            continue
        if path.startswith(swift_root):
            covered.append(f"{name}: Swift runtime, linked statically")
            continue
        package = owning_package(found_at, path)
        if package is None:
            problems.append(f"{name} ({path}) belongs to no Debian package")
        elif package not in available:
            problems.append(f"{name} comes from {package}, which the runtime stage does not install")
        else:
            covered.append(f"{name}: {package}")
    for line in covered:
        print("  " + line)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        sys.exit(1)
    print(f"runtime packages {sorted(runtime_packages)} cover all {len(covered)} libraries of {binary}")


if __name__ == "__main__":
    main()
