#!/usr/bin/env bash
# Runs the shell commands a document tells its reader to type, so that they
# stay true (ctest: doc_*). Usage: doc_commands.sh DOC SOURCE_DIR BUILD_DIR
#
# A fenced ```sh block runs when the line just before its fence is
#   <!-- runnable -->                     it must exit 0
#   <!-- runnable exit=1 expect=TEXT -->  that status, and TEXT in its output
# (expect takes the rest of the comment). A fenced block after
# <!-- file: NAME --> is written to NAME before the blocks below it run.
# Every ```sh block must run: one that cannot (the build itself, a file the
# reader writes) says why on the line before it,
#   <!-- not-run: REASON -->
# and any other ```sh block fails the document.
# Blocks run in order, each with bash -e, in one scratch directory where
# `build` is the build directory, `sdk` the SDK and `workloads` the
# repository's workloads, with `upsched` on PATH.
set -u
doc=$1 src=$2 build=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ln -s "$build" "$work/build"
ln -s "$src/sdk" "$work/sdk"
ln -s "$src/workloads" "$work/workloads"
export PATH="$build:$PATH"

ran=0 failed=0 lineno=0 unmarked=0
pending="" in_block="" body="" start=0 want_exit=0 expect="" file=""

finish_block() {
  if [[ $in_block == file ]]; then
    printf '%s' "$body" > "$work/$file"
    return
  fi
  ran=$((ran + 1))
  local out rc
  out=$(cd "$work" && bash -e -o pipefail -c "$body" 2>&1)
  rc=$?
  if [[ $rc -ne $want_exit ]]; then
    echo "$doc:$start: exited $rc, the document says $want_exit"
  elif [[ -n $expect && $out != *"$expect"* ]]; then
    echo "$doc:$start: output lacks \"$expect\""
  else
    echo "$doc:$start: ok"
    return
  fi
  failed=$((failed + 1))
  printf '%s\n--- output:\n%s\n---\n' "$body" "$out"
}

while IFS= read -r line || [[ -n $line ]]; do
  lineno=$((lineno + 1))
  if [[ -n $in_block ]]; then
    if [[ $line == '```' ]]; then
      finish_block
      in_block=""
    else
      body+="$line"$'\n'
    fi
    continue
  fi
  if [[ $line =~ ^'<!-- runnable'(.*)' -->'$ ]]; then
    pending=run want_exit=0 expect=""
    attrs=${BASH_REMATCH[1]}
    [[ $attrs =~ exit=([0-9]+) ]] && want_exit=${BASH_REMATCH[1]}
    [[ $attrs =~ expect=(.*)$ ]] && expect=${BASH_REMATCH[1]}
    continue
  fi
  if [[ $line =~ ^'<!-- not-run: '.+' -->'$ ]]; then
    pending=skip
    continue
  fi
  if [[ $line =~ ^'<!-- file: '([^ ]+)' -->'$ ]]; then
    pending=file file=${BASH_REMATCH[1]}
    continue
  fi
  if [[ $line == '```sh' && -z $pending ]]; then
    echo "$doc:$lineno: a \`\`\`sh block that does not run: mark it <!-- runnable --> or <!-- not-run: REASON -->"
    unmarked=$((unmarked + 1))
  fi
  if [[ $pending == skip ]]; then
    pending=""
    continue
  fi
  if [[ $line == '```'* && -n $pending ]]; then
    if [[ $pending == run && $line != '```sh' ]]; then
      echo "$doc:$lineno: a runnable block must be \`\`\`sh"
      exit 1
    fi
    in_block=$pending body="" start=$lineno
  fi
  pending=""
done < "$doc"

if [[ -n $in_block ]]; then
  echo "$doc:$start: block never closed"
  exit 1
fi
if [[ $ran -eq 0 ]]; then
  echo "$doc: no runnable block (mark one with <!-- runnable -->)"
  exit 1
fi
echo "$ran block(s) run, $failed failed, $unmarked unmarked"
[[ $failed -eq 0 && $unmarked -eq 0 ]]
