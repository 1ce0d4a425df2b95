"""Awkward real-data cases, each printed with its value or its error.

Tied and rounded columns, 0/1 floats, one extreme value, extreme scales, constant and
collinear columns, quantised data, missing values, undersampled intervals, threads.
Run: python benchmarks/real_data_checks.py
"""
import warnings, threading
import numpy as np, pandas as pd, torch
import mutinfo as mi
from sklearn.datasets import load_diabetes, load_wine
from sklearn.feature_selection import mutual_info_regression
warnings.simplefilter("ignore")
def show(label, f):
    try:
        v = f()
        print(f"{label}: {v}")
    except Exception as e:
        print(f"{label}: {type(e).__name__}: {str(e)[:160]}")
X, y = load_diabetes(as_frame=True, return_X_y=True)
show("diabetes pairwise sex/age", lambda: mi.pairwise(X[["sex", "age"]], y, random_state=0).round(4).to_dict())
show("sklearn mutual_info_regression sex/age", lambda: mutual_info_regression(X[["sex","age"]], y, random_state=0).round(4))
e = mi.estimate(X["sex"], y, test="permutation", n_permutations=200, random_state=0)
print("estimate sex:", round(e.value,4), e.method, (round(e.ci_low,3), round(e.ci_high,3)), e.p_value, e.details.get("interval"))
r = np.random.default_rng(0)
show("binary float vs rounded indep", lambda: mi.mutual_information(r.integers(0,2,442).astype(float), np.round(r.normal(150,70,442)), random_state=0))
r = np.random.default_rng(1); x = r.normal(size=2000); yy = x + r.normal(size=2000)
clean = mi.mutual_information(x, yy, method="ksg", random_state=0)
xg = x.copy(); xg[0] = 1e160
show("ksg clean", lambda: clean)
show("ksg glitch 1e160", lambda: mi.mutual_information(xg, yy, method="ksg", random_state=0))
show("ksg rank clean", lambda: mi.mutual_information(x, yy, method="ksg", transform="rank", random_state=0))
show("ksg rank glitch", lambda: mi.mutual_information(xg, yy, method="ksg", transform="rank", random_state=0))
show("ksg x*1e-170", lambda: mi.mutual_information(x*1e-170, yy, method="ksg", random_state=0))
r = np.random.default_rng(2); x3 = r.normal(size=300); y3 = x3 + r.normal(size=300); x3[0] = 1e3
for m in ["smile", "nwj", "js"]:
    show(f"{m} outlier 1e3 (truth 0.347)", lambda m=m: mi.mutual_information(x3, y3, method=m, random_state=1))
show("gaussian collinear", lambda: mi.mutual_information(np.column_stack([x, 2*x]), yy, method="gaussian"))
show("kl constant 0.1", lambda: mi.entropy(np.full(300, 0.1), method="kl"))
show("ksg ones noise=0", lambda: mi.mutual_information(np.ones(100), np.ones(100), method="ksg", noise=0))
a = load_wine(as_frame=True).data["alcohol"]
show("wine alcohol entropy auto", lambda: mi.entropy(a))
show("wine alcohol entropy kl resolution=0.01", lambda: mi.entropy(a, method="kl", resolution=0.01))
show("boolean NA", lambda: mi.entropy(pd.Series([True, False, None, True]*25, dtype="boolean"), method="plugin", base=2))
show("string NA", lambda: mi.entropy(pd.Series(["a", "b", pd.NA, "a"]*25, dtype="string"), method="plugin"))
show("object NaT", lambda: mi.entropy(np.array([pd.Timestamp(0), pd.NaT]*10, dtype=object), method="plugin"))
show("boolean NA omit", lambda: mi.entropy(pd.Series([True, False, None, True]*25, dtype="boolean"), method="plugin", base=2, nan_policy="omit"))
r = np.random.default_rng(3); u = r.integers(0,50,100); v = r.integers(0,50,100)
for m in ["auto", "chao_shen", "shrinkage"]:
    e = mi.estimate(u, v, method=m, random_state=0)
    print(f"50-symbol {m}: {e.method} {e.value:.3f} [{e.ci_low:.3f}, {e.ci_high:.3f}] {e.details.get('interval')}")
r = np.random.default_rng(4); xa = r.normal(size=(400, 2)); ya = xa + r.normal(size=(400, 2))
for m in ["infonce", "club"]:
    seq = [mi.mutual_information(xa, ya, method=m, random_state=i, epochs=3) for i in range(3)]
    out = [None]*3
    before = torch.get_rng_state().clone()
    ts = [threading.Thread(target=lambda i=i: out.__setitem__(i, mi.mutual_information(xa, ya, method=m, random_state=i, epochs=3))) for i in range(3)]
    [t.start() for t in ts]; [t.join() for t in ts]
    print(f"{m} threads==seq: {seq == out}; global rng unchanged: {torch.equal(before, torch.get_rng_state())}")
show("grassberger one sample", lambda: mi.mutual_information([0], [0], method="grassberger"))
with warnings.catch_warnings(record=True) as w:
    warnings.simplefilter("always")
    v = mi.mutual_information([0,1,2,3], [0,1,2,3], method="chao_shen")
    print("chao_shen 4 pairs:", v, "warnings:", [str(x.message)[:100] for x in w])
