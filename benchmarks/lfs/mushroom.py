"""Rule LFs for mushroom (KEEL; columns f0..f21 in UCI's order, one-letter codes): class
"p" poisonous, "e" edible.

A forager's rules from UCI's attribute list: f4 odor (a almond, l anise: edible; f foul,
c creosote, y fishy, s spicy, p pungent, m musty: poisonous), f19 spore-print colour
(r green, h chocolate: poisonous), f20 population (v several) and f7 gill size. Written from
the descriptions, not fitted to labels; odor alone is known to be nearly decisive.
"""

from fewlabels.weak import category_lf

lfs = [
    category_lf("f4", ["a", "l"], "e", name="sweet_odor"),
    category_lf("f4", ["f", "c", "y", "s", "p", "m"], "p", name="bad_odor"),
    category_lf("f19", ["r", "h"], "p", name="dark_spores"),
    category_lf("f19", ["n", "k"], "e", name="brown_black_spores"),
    category_lf("f7", ["n"], "p", name="narrow_gills"),
    category_lf("f20", ["v"], "p", name="several_population"),
    category_lf("f20", ["a", "n"], "e", name="abundant_or_numerous"),
]
