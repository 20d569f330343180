#!/usr/bin/env python3
"""Groups the CPU samples of a JFR recording by component.

    python3 bench/jfr_breakdown.py REC.jfr 'name=regex' 'name=regex' ...
    python3 bench/jfr_breakdown.py REC.jfr --innermost 'name=regex' ...
    python3 bench/jfr_breakdown.py REC.jfr --threads

A sample (jdk.ExecutionSample) counts for the first rule, in the order given, whose regex matches
any frame of its stack ("Class.method", dots in package names); with --innermost, for the rule
matching the frame closest to the top of the stack instead. Unmatched samples are "other".
--threads counts samples per thread name (digits folded). Needs the JDK's `jfr` tool (JAVA_HOME,
or on PATH). Examples: docs/performance.md.
"""
import collections
import json
import os
import re
import shutil
import subprocess
import sys


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    rec, args = argv[1], argv[2:]
    innermost = '--innermost' in args
    threads = '--threads' in args
    rules = [(a.split('=', 1)[0], re.compile(a.split('=', 1)[1])) for a in args if '=' in a and not a.startswith('--')]
    jfr = os.path.join(os.environ.get('JAVA_HOME', ''), 'bin', 'jfr')
    if not os.path.exists(jfr):
        jfr = shutil.which('jfr') or '/usr/lib/jvm/temurin-25-jdk-amd64/bin/jfr'
    out = subprocess.run([jfr, 'print', '--json', '--stack-depth', '200', '--events', 'jdk.ExecutionSample', rec],
                         capture_output=True, text=True, check=True).stdout
    counts = collections.Counter()
    n = 0
    for e in json.loads(out)['recording']['events']:
        v = e['values']
        n += 1
        if threads:
            t = v.get('sampledThread') or {}
            name = t.get('javaName') or t.get('osName') or '?'
            counts[re.sub(r'\d+', 'N', name) + (' (virtual)' if t.get('virtual') else '')] += 1
            continue
        frames = [f['method']['type']['name'].replace('/', '.') + '.' + f['method']['name']
                  for f in (v.get('stackTrace') or {}).get('frames') or []]
        cat = 'other'
        if innermost:
            for f in frames:
                hit = next((name for name, rx in rules if rx.search(f)), None)
                if hit:
                    cat = hit
                    break
        else:
            cat = next((name for name, rx in rules if any(rx.search(f) for f in frames)), 'other')
        counts[cat] += 1
    for k, c in counts.most_common():
        print(f'{c:7d} {100 * c / max(n, 1):5.1f}%  {k}')
    print(f'{n:7d} samples')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
