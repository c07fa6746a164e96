"""Rule LFs for breast_cancer (scikit-learn's WDBC): class 0 malignant, 1 benign.

Clinical rules of thumb: large, irregular, concave nuclei point to malignancy, small and
smooth ones to a benign mass. The cut-offs are round numbers from the feature
descriptions (radius in the tenths of millimetres the dataset uses), not fitted to labels.
"""

from fewlabels.weak import range_lf, threshold_lf

MALIGNANT, BENIGN = 0, 1

lfs = [
    threshold_lf("worst radius", 18, MALIGNANT, name="big_worst_radius"),
    threshold_lf("worst radius", 13, BENIGN, above=False, name="small_worst_radius"),
    threshold_lf("worst concave points", 0.18, MALIGNANT, name="concave"),
    threshold_lf("worst concave points", 0.09, BENIGN, above=False, name="not_concave"),
    threshold_lf("mean texture", 23, MALIGNANT, name="rough_texture"),
    threshold_lf("worst area", 1000, MALIGNANT, name="big_area"),
    range_lf("worst perimeter", None, 85, BENIGN, name="small_perimeter"),
    threshold_lf("area error", 50, MALIGNANT, name="area_error"),
]
