# Writes part I of N of a shape set (its problem groups dealt round-robin, so each part mixes
# small and large layers), for side-by-side runs that must each fit a time limit.
#   usage: python3 shape_set_part.py SHAPES.json I N OUT.json   (I in 1..N)
import json, sys

src, part, parts, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
doc = json.load(open(src))
doc['problems'] = doc['problems'][part - 1::parts]
doc['name'] = f"{doc['name']}-part{part}of{parts}"
json.dump(doc, open(out, 'w'), indent=1)
