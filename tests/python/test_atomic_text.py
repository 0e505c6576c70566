"""scripts/atomic_text.py: whole-file writes that refuse a symbolic link.
Run: python3 -m unittest discover -s tests/python
"""
import os
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts"))
from atomic_text import JsonLinesReport, write_text_atomic  # noqa: E402


class AtomicTextTest(unittest.TestCase):
    def setUp(self):
        self.folder = tempfile.mkdtemp()

    def tearDown(self):
        shutil.rmtree(self.folder)

    def test_replaces_the_file_whole_and_leaves_no_temporary(self):
        path = os.path.join(self.folder, "report.md")
        write_text_atomic(path, "old\n")
        write_text_atomic(path, "new\n")
        with open(path) as f:
            self.assertEqual(f.read(), "new\n")
        self.assertEqual(os.listdir(self.folder), ["report.md"])

    def test_refuses_a_symbolic_link_and_leaves_its_target(self):
        target = os.path.join(self.folder, "target.md")
        with open(target, "w") as f:
            f.write("kept\n")
        link = os.path.join(self.folder, "report.md")
        os.symlink(target, link)
        with self.assertRaises(ValueError):
            write_text_atomic(link, "new\n")
        with open(target) as f:
            self.assertEqual(f.read(), "kept\n")
        self.assertTrue(os.path.islink(link))

    def test_json_lines_report_holds_every_record_after_each_write(self):
        path = os.path.join(self.folder, "rows.jsonl")
        with open(path, "w") as f:
            f.write("from an earlier run\n")
        report = JsonLinesReport(path)
        with open(path) as f:
            self.assertEqual(f.read(), "")
        report.write('{"a": 1}\n')
        report.write('{"b": 2}\n')
        with open(path) as f:
            self.assertEqual(f.read(), '{"a": 1}\n{"b": 2}\n')
        self.assertEqual(os.listdir(self.folder), ["rows.jsonl"])

    def test_json_lines_report_refuses_a_symbolic_link(self):
        target = os.path.join(self.folder, "target.jsonl")
        with open(target, "w") as f:
            f.write("kept\n")
        link = os.path.join(self.folder, "rows.jsonl")
        os.symlink(target, link)
        with self.assertRaises(ValueError):
            JsonLinesReport(link)
        with open(target) as f:
            self.assertEqual(f.read(), "kept\n")


if __name__ == "__main__":
    unittest.main()
