#!/usr/bin/python3
"""Minimax fit for NeuroLite's exp kernel (reproducible: /usr/bin/python3 exp_fit.py, mpmath 1.2.1).

e^r = 1 + r + r^2 Q(r) on |r| <= ln2/2 (with 1e-6 slack for the rounding of the reduction); Q minimax for the
error of e^r relative to e^r (weight r^2 / e^r), 10 coefficients. Prints MathConstants' Q0..Q9 and the max error
(with the coefficients rounded to double).
"""
import mpmath as mp
from tanh_fit import remez, maxerr, show

N = 10
R = mp.log(2) / 2 * (1 + mp.mpf("1e-6"))


def f(r):
    if r == 0:
        return mp.mpf(1) / 2
    return (mp.expm1(r) - r) / (r * r)


def wt(r):
    return r * r / mp.exp(r)


if __name__ == "__main__":
    c = remez(f, wt, -R, R, N)
    cd = [mp.mpf(float(v)) for v in c]
    e = maxerr(f, wt, -R, R, cd)
    print(f"// e^r = 1 + r + r^2 Q(r) on |r| <= ln2/2: max relative error 2^{float(mp.log(e, 2)):.2f}")
    show("Q", cd)
