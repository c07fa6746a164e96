import subprocess
import sys


def test_import_is_light():
    """`import fewlabels` loads neither scikit-learn, LightGBM, pandas nor torch."""
    code = (
        "import sys, fewlabels; heavy = [m for m in ('sklearn', 'lightgbm', 'torch', 'pandas', 'matplotlib') "
        "if m in sys.modules]; print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_lazy_attributes():
    import fewlabels

    assert fewlabels.TableEncoder.__name__ == "TableEncoder"
    assert "LabelSpreadingClassifier" in dir(fewlabels)


def test_deep_and_discovery_import_without_loading_torch():
    """The deep estimators and discovery import (and can be listed) without torch loading."""
    code = (
        "import sys, fewlabels.deep, fewlabels.discovery, fewlabels.methods; "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
