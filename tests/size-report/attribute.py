#!/usr/bin/env python3
"""Where a size-report binary's .text comes from, in the manner of `cargo bloat`, but through
inlining: every 2-byte Thumb halfword is symbolized (DWARF, inlined frames included) and counted
against its source.

  CARGO_PROFILE_RELEASE_DEBUG=2 SIZE_REPORT_TARGET_DIR=/tmp/size-dbg bash run.sh   # same code, with line info
  python3 attribute.py /tmp/size-dbg/thumbv6m-none-eabi/release/response crate   # or: file, fn, line

Modes: crate (twilio-core file, httparse, or the outermost other crate), file (innermost source
file), fn (innermost twilio-core/httparse/serde function), line (innermost file:line).
N=80 shows more rows. Needs llvm-symbolizer (Debian: llvm) and rustup's llvm-tools for llvm-size.
"""
import json, subprocess, sys, re, collections, os
sysroot = subprocess.check_output(["rustc", "--print", "sysroot"], text=True).strip()
host = next(l.split()[1] for l in subprocess.check_output(["rustc", "-vV"], text=True).splitlines()
            if l.startswith("host:"))
bindir = f"{sysroot}/lib/rustlib/{host}/bin"
elf = sys.argv[1]
mode = sys.argv[2] if len(sys.argv) > 2 else "file"
out = subprocess.check_output([f"{bindir}/llvm-size", "-A", "-x", elf], text=True)
for line in out.splitlines():
    p = line.split()
    if p and p[0] == ".text":
        size, addr = int(p[1], 16), int(p[2], 16)
addrs = [hex(a) for a in range(addr, addr + size, 2)]
res = subprocess.run(["llvm-symbolizer", f"--obj={elf}", "--inlining", "--output-style=JSON", "-C"],
                     input="\n".join(addrs), capture_output=True, text=True).stdout
agg = collections.Counter()
def short(f):
    f = re.sub(r".*/twilio-core/", "core:", f)
    f = re.sub(r".*/registry/src/[^/]*/", "", f)
    f = re.sub(r".*/library/", "std:", f)
    f = re.sub(r".*/size-report/", "bin:", f)
    return f
for line in res.splitlines():
    d = json.loads(line)
    frames = d.get("Symbol", [])
    if not frames:
        agg["?"] += 2; continue
    if mode == "file":
        f = frames[0]
        agg[short(f["FileName"])] += 2
    elif mode == "line":
        f = frames[0]
        agg[f"{short(f['FileName'])}:{f['Line']}"] += 2
    elif mode == "fn":
        # innermost frame in twilio-core or httparse or serde
        key = None
        for f in frames:
            fn = f["FileName"]
            if "twilio-core" in fn or "httparse" in fn or "serde" in fn or "size-report" in fn:
                key = short(fn).split(":")[0] + " " + f["FunctionName"][:90]; break
        agg[key or ("other " + short(frames[0]["FileName"]))] += 2
    elif mode == "crate":
        key = None
        for f in frames:
            fn = f["FileName"]
            if "twilio-core" in fn: key = short(fn); break
            if "httparse" in fn: key = "httparse"; break
        agg[key or short(frames[-1]["FileName"]).split('/')[0]] += 2
tot = sum(agg.values())
for k, v in agg.most_common(int(os.environ.get("N", "60"))):
    print(f"{v:6d} {k}")
print(f"{tot:6d} TOTAL")
