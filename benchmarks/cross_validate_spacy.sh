#!/usr/bin/env bash
# Does spaCy help? 3-fold cross-validation of intent classification on the
# training data, with and without the spaCy pipeline, same DIET settings.
# Usage: make model && bash benchmarks/cross_validate_spacy.sh   (~20 min on 2 cores)
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD" TF_CPP_MIN_LOG_LEVEL=3
out="results/cross-validation"
for variant in nlu_spacy_lemmas nlu_whitespace; do
  .venv/bin/rasa test nlu --nlu data --config "benchmarks/configs/$variant.yml" \
    --cross-validation --folds 3 --out "$out/$variant" >"$out-$variant.log" 2>&1 || {
      echo "$variant failed, see $out-$variant.log"; exit 1; }
  .venv/bin/python - "$out/$variant/intent_report.json" "$variant" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
print(f"{sys.argv[2]:20} accuracy {report['accuracy']:.3f}  macro-F1 {report['macro avg']['f1-score']:.3f}"
      f"  weighted-F1 {report['weighted avg']['f1-score']:.3f}")
PY
done
