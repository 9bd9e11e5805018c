#!/usr/bin/python3
"""Minimax fits for NeuroLite's tanh kernel (reproducible: /usr/bin/python3 tanh_fit.py, mpmath 1.2.1).

Prints the coefficients pasted into MathConstants.cs (TanhP0..TanhP5): tanh w = w + w^3 P(w^2) on |w| <= WMAX,
P minimax in z = w^2 for the relative error of tanh w. It uses a discrete Remez exchange on a dense grid with 40-digit arithmetic; the printed error includes the
rounding of the coefficients to double (re-evaluated in high precision with the rounded coefficients).
"""
import sys
import mpmath as mp

mp.mp.dps = 40
WMAX = mp.mpf("0.1834")


def remez(f, wt, a, b, n, grid=1500, iters=40):
    """Coefficients c[0..n-1] of p minimizing max |wt(t) (f(t) - p(t))| on [a, b] (discrete exchange)."""
    pts = [a + (b - a) * (1 - mp.cos(mp.pi * i / (grid - 1))) / 2 for i in range(grid)]
    fv = [f(t) for t in pts]
    wv = [wt(t) for t in pts]
    m = n + 1
    idx = [int(round((grid - 1) * (1 - mp.cos(mp.pi * i / (m - 1))) / 2)) for i in range(m)]
    c = None
    for _ in range(iters):
        A = mp.matrix(m, m)
        rhs = mp.matrix(m, 1)
        for r, i in enumerate(idx):
            t = pts[i]
            for j in range(n):
                A[r, j] = t ** j
            A[r, n] = (-1) ** r / wv[i]
            rhs[r] = fv[i]
        sol = mp.lu_solve(A, rhs)
        c = [sol[j] for j in range(n)]
        err = [wv[i] * (fv[i] - mp.polyval(c[::-1], pts[i])) for i in range(grid)]
        # new alternation set: the extremum of each sign run
        runs = []
        start = 0
        for i in range(1, grid + 1):
            if i == grid or mp.sign(err[i]) != mp.sign(err[start]):
                best = max(range(start, i), key=lambda k: abs(err[k]))
                runs.append(best)
                start = i
        while len(runs) > m:  # drop the smallest end
            if abs(err[runs[0]]) < abs(err[runs[-1]]):
                runs.pop(0)
            else:
                runs.pop()
        if len(runs) < m:
            break
        if runs == idx:
            break
        idx = runs
    return c


def maxerr(f, wt, a, b, c, grid=4000):
    e = 0
    for i in range(grid):
        t = a + (b - a) * mp.mpf(i) / (grid - 1)
        e = max(e, abs(wt(t) * (f(t) - mp.polyval(c[::-1], t))))
    return e


def show(name, c):
    for j, v in enumerate(c):
        print(f"    public const double {name}{j} = {float(v)!r};")


def small(xmax, n):
    """Minimax P (n coefficients) with tanh x = x + x^3 P(x^2) on [0, xmax], and its max relative error."""
    # P(z) = (tanh sqrt z - sqrt z) / sqrt(z)^3 ; error of tanh x relative to tanh x is z P-error * x / tanh x
    def f(z):
        if z == 0:
            return mp.mpf(-1) / 3
        x = mp.sqrt(z)
        return (mp.tanh(x) - x) / (x * z)

    def wt(z):
        if z == 0:
            return mp.mpf(0)
        x = mp.sqrt(z)
        return z * x / mp.tanh(x)

    zmax = mp.mpf(xmax) ** 2
    c = remez(f, wt, zmax * mp.mpf('1e-9'), zmax, n)
    cd = [mp.mpf(float(v)) for v in c]
    return cd, maxerr(f, wt, mp.mpf(0), zmax, cd)


if __name__ == "__main__":
    # The kernel reduces |x| = k ln2/2 + w with w in [-0.1633, 0.1833] (k = round(2|x|/ln2 - 0.0289)), so the
    # polynomial only has to cover |w| <= 0.1834; 6 coefficients reach 2^-56.5 relative (about 0.09 ULP of t).
    if len(sys.argv) > 1 and sys.argv[1] == "scan":
        for n in range(4, 9):
            _, e = small(WMAX, n)
            print(f"n={n}: max relative error 2^{float(mp.log(e, 2)):.2f}")
    else:
        c, e = small(WMAX, 6)
        print(f"// tanh w = w + w^3 P(w^2) on |w| <= {WMAX}: max relative error 2^{float(mp.log(e, 2)):.2f}")
        show("TanhP", c)
        # Far beyond the fitted range (|x| in [18.02, 19.1], where k is capped at 52, w reaches 1.08) the result
        # only needs 1 - t to a few percent: print that error.
        for w in ("1.0", "1.08", "1.1"):
            w = mp.mpf(w)
            t = w + w ** 3 * mp.polyval(c[::-1], w * w)
            print(f"// w = {float(w)}: relative error of 1 - t = {float((t - mp.tanh(w)) / (1 - mp.tanh(w))):.3g}")
