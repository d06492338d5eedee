#!/bin/sh
# run_scorer.sh — extraction quality gate: run the shared scorer over the
# 90 dev pages with the built feedsift and fail when F1 drops below the
# recorded threshold.  Exit 77 (meson: skipped) when the shared data is
# not beside the checkout.
#
# usage: run_scorer.sh FEEDSIFT SHARED_EXTRACTION_DIR THRESHOLD_FILE
set -u
feedsift=$1 data=$2 threshold_file=$3
if [ ! -f "$data/score.py" ] || [ ! -f "$data/dev.txt" ]; then
    echo "extraction data not found at $data: skipping"
    exit 77
fi
threshold=$(tr -d ' \n' < "$threshold_file")
exec python3 "$data/score.py" \
    --cmd "'$feedsift' extract {file}" \
    --data "$data" --ids "$data/dev.txt" --min-f1 "$threshold"
