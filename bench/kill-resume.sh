#!/usr/bin/env bash
# Issue "Transfers that survive anything", the figures: a large upload killed with SIGKILL at ~50%,
# then re-run — how many bytes are sent again; peak RSS and throughput of the same upload whole;
# and `aws s3 cp` of the same file on the same server, for comparison.
#
#   npm run build && bash bench/kill-resume.sh [SIZE_MIB]      (default 512)
#
# Everything lives on tmpfs (/dev/shm) and is removed at the end; s3rver runs on a free port.
set -euo pipefail
SIZE_MIB=${1:-512}
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /dev/shm/lsync-kill-XXXXXX)
port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_REGION=us-east-1 LSYNC_S3_PROVIDER=s3rver \
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
node --openssl-legacy-provider "$here/node_modules/s3rver/bin/s3rver.js" -d "$work/server" -a 127.0.0.1 -p "$port" \
  --silent --configure-bucket killbench >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
sleep 1.5
lsync() { node "$here/bin/lsync.js" "$@"; }
size=$((SIZE_MIB * 1024 * 1024))

mkdir -p "$work/a" "$work/b"
head -c "$size" /dev/urandom > "$work/a/big.bin"
cp "$work/a/big.bin" "$work/b/big.bin"

# 1. Killed at ~50%: watch the NDJSON progress and SIGKILL once half the bytes are out.
cd "$work/a"
lsync init "s3://killbench/killed" --endpoint "http://127.0.0.1:$port" -q
node "$here/bin/lsync.js" push --json > "$work/progress.ndjson" &
pid=$!
while kill -0 $pid 2>/dev/null; do
  done_bytes=$(grep -o '"bytesDone":[0-9]*' "$work/progress.ndjson" 2>/dev/null | tail -1 | cut -d: -f2 || true)
  if [ -n "${done_bytes:-}" ] && [ "$done_bytes" -ge $((size / 2)) ]; then kill -9 $pid; break; fi
  sleep 0.05
done
wait $pid 2>/dev/null || true
killed_at=$(grep -o '"bytesDone":[0-9]*' "$work/progress.ndjson" | tail -1 | cut -d: -f2)
resent=$(lsync push --json | grep '"type":"summary"' | grep -o '"bytesSent":[0-9]*' | cut -d: -f2)

# 2. The same upload whole, timed, with peak RSS.
cd "$work/b"
lsync init "s3://killbench/whole" --endpoint "http://127.0.0.1:$port" -q
/usr/bin/time -f '%e %M' -o "$work/whole.time" node "$here/bin/lsync.js" push -q
read -r whole_s whole_kb < "$work/whole.time"

# 3. aws s3 cp of the same file, 16 requests in flight (aws cli, when installed).
aws_line="aws cli not installed"
if command -v aws >/dev/null; then
  export AWS_CONFIG_FILE="$work/aws-config"
  printf '[default]\ns3 =\n  max_concurrent_requests = 16\n' > "$AWS_CONFIG_FILE"
  /usr/bin/time -f '%e %M' -o "$work/aws.time" aws --endpoint-url "http://127.0.0.1:$port" s3 cp "$work/b/big.bin" "s3://killbench/aws/big.bin" --only-show-errors
  read -r aws_s aws_kb < "$work/aws.time"
  aws_line=$(awk -v s="$aws_s" -v kb="$aws_kb" -v m="$SIZE_MIB" 'BEGIN{printf "%.2f s, %.0f MiB/s, peak RSS %.0f MiB", s, m/s, kb/1024}')
fi

awk -v size="$size" -v k="$killed_at" -v r="$resent" -v s="$whole_s" -v kb="$whole_kb" -v m="$SIZE_MIB" -v a="$aws_line" 'BEGIN{
  printf "file: %d MiB on s3rver (tmpfs)\n", m
  printf "killed (SIGKILL) after %.0f MiB reported sent (%.0f%%)\n", k/1048576, 100*k/size
  printf "re-run sent %.0f MiB (%.0f%% of the file); without resume it would send %d MiB\n", r/1048576, 100*r/size, m
  printf "lsync push, whole: %.2f s, %.0f MiB/s, peak RSS %.0f MiB\n", s, m/s, kb/1024
  printf "aws s3 cp: %s\n", a
}'
