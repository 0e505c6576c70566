"""The bundle module's serving constraints: `Bundle.sms` and `Bundle.batch_invariant` read from
the manifest that `gemmtune export --format bundle` writes (src/sweep/README.md "Serving").
Run: PYTHONPATH=src/report/bundle python3 -m unittest discover -s tests/python
"""
import json
import os
import tempfile
import unittest

import gemmtune_bundle as gt
from test_gemmtune_bundle import CONFIG, FakeLibrary


def bundle_with_manifest(**fields):
    library = FakeLibrary([CONFIG])
    directory = tempfile.mkdtemp()
    manifest = {"arch": "sm_90a", "kernels": [{"config": CONFIG}], "entries": []}
    manifest.update(fields)
    with open(os.path.join(directory, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    return gt.Bundle(directory, _library=library)


class ServingTest(unittest.TestCase):
    def test_a_bundle_tuned_for_an_sm_budget_says_so(self):
        bundle = bundle_with_manifest(sms=108, batch_invariant=True)
        self.assertEqual(bundle.sms, 108)
        self.assertIs(bundle.batch_invariant, True)

    def test_a_bundle_of_the_whole_gpu_has_no_budget(self):
        bundle = bundle_with_manifest(sms=None, batch_invariant=False)
        self.assertIsNone(bundle.sms)
        self.assertIs(bundle.batch_invariant, False)

    def test_manifests_written_before_the_fields_read_as_unconstrained(self):
        bundle = bundle_with_manifest()
        self.assertIsNone(bundle.sms)
        self.assertIs(bundle.batch_invariant, False)


if __name__ == "__main__":
    unittest.main()
