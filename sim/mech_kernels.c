/* mech_kernels.c — cell kernels of the finite-strain discretisation (private to the mech module).
 *
 *   ns_mech_kern_internal  internal force f_int(u) = dPi/du and its tangent, coloured assembly
 *   ns_mech_kern_outputs   per-cell Cauchy stress, energy density and J
 *   ns_mech_kern_body      consistent nodal loads of a body force b(X, t)
 *   ns_mech_gauss_energy   undegraded isochoric energy density at every Gauss point (public)
 *   ns_mech_kern_mass      consistent (stencil) or lumped (row-sum) mass matrix
 *   ns_mech_kern_dissipation  QLV dissipation of a substep per cell
 *   ns_mech_kern_free_energy  Helmholtz free energy and instantaneous elastic energy per cell
 *
 * Discrete energy (per cell, reference configuration, total Lagrangian):
 *   Pi_cell = sum_q w_q g_q W_iso(F_q) + V U(Jbar),   Jbar = (1/V) sum_q w_q det F_q,
 *   F = I + Grad u, V = sum_q w_q,
 * with u bi/trilinear in the cell and q the 2^ndim Gauss points (+-1/sqrt 3). The volumetric
 * energy sees one value per cell, the volume average of J (mean dilatation, Nagtegaal et al.
 * 1974, Simo, Taylor & Pister 1985: the energy form of Q1/P0 selective reduced integration), so
 * nu -> 0.5 does not lock and the tangent stays symmetric. In 3D with small strains Jbar equals
 * J at the cell centre; axisymmetric, the average (with weight r) is what makes a homogeneous
 * stress state an exact discrete solution (one-point evaluation at the centre integrates the
 * weighted volumetric virtual work with an O(h^2 / r) error, 50% in the axis cells).
 * Weights: 3D w_q = h_x h_y h_z / 8; axisymmetric w_q = 2 pi r_q h_r h_z / 4. Axisymmetric F in
 * (r, z, theta) order: F_rr = 1 + du_r/dr, F_rz = du_r/dz, F_zr = du_z/dr, F_zz = 1 + du_z/dz,
 * F_thth = 1 + u_r/r (Gauss points never lie on the axis).
 * With D_p = dF/du_p (3 nonzero entries per dof p), the cell residual and tangent are
 *   f_p = sum_q w_q P_q : D_p,  P_q = g_q P_iso(F_q) + U'(Jbar) cof F_q,
 *   K_pq = sum_q w_q D_p : A_q : D_q + U''(Jbar)/V b_p b_q,  b_p = sum_q w_q cof F_q : D_p,
 *   A_q = g_q dP_iso/dF + U'(Jbar) (cof (x) cof - cof_iL cof_kJ) / J_q.
 * The tangent is computed on and above the diagonal and mirrored, so it is exactly symmetric.
 * Stencil: every cell couples its 2^ndim nodes, i.e. the 3^ndim-point compact stencil of smat.h;
 * second-order accurate in the displacement.
 * Colouring: cells of one colour (index parity) share no node, colours run in a fixed order, so
 * each entry receives its contributions in a thread-count independent order.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "needlesim/tensor3.h"
#include "q1cell.h"
#include "mech_impl.h"
#include "needlesim/vec.h"


/* Per-cell sizes from q1cell.h. */
#define NLOC_MAX NS_Q1_NLOC_MAX
#define NPT_MAX NS_Q1_NEN_MAX

/* F = I + sum_p ue_p D_p at point q. */
static void point_F(const struct ns_mech *m, const struct ns_q1dmap *D, const double *ue, double F[9]) {
  const int nloc = m->nen * m->nc;
  for (int i = 0; i < 9; i++) F[i] = 0.0;
  F[0] = F[4] = F[8] = 1.0;
  for (int p = 0; p < nloc; p++)
    for (int t = 0; t < 3; t++) F[D->idx[p][t]] += D->val[p][t] * ue[p];
}

/* Add one quadrature point's contribution: fe += w P:D, Ke (upper triangle) += w D:A:D. */
static void add_point(int nloc, const struct ns_q1dmap *D, double w, const double P[9], const double *A, double *fe,
                      double *Ke) {
  for (int p = 0; p < nloc; p++) {
    double s = 0.0;
    for (int t = 0; t < 3; t++) s += D->val[p][t] * P[D->idx[p][t]];
    fe[p] += w * s;
  }
  if (!A) return;
  for (int p = 0; p < nloc; p++) {
    double row[9] = {0, 0, 0, 0, 0, 0, 0, 0, 0};
    for (int t = 0; t < 3; t++) {
      const double v = w * D->val[p][t];
      if (v == 0.0) continue;
      const double *Ar = A + 9 * D->idx[p][t];
      for (int e = 0; e < 9; e++) row[e] += v * Ar[e];
    }
    for (int q = p; q < nloc; q++) {
      double s = 0.0;
      for (int t = 0; t < 3; t++) s += row[D->idx[q][t]] * D->val[q][t];
      Ke[p * nloc + q] += s;
    }
  }
}

/* Residual and tangent of one cell. Returns nonzero when a material evaluation failed.
 * Gauss point q: P_q = g_q P_iso(F_q) + U'(Jbar) cof F_q, A_q = g_q A_iso + U'(Jbar) d2J/dF2,
 * plus the rank-one volumetric term (U''(Jbar) / V) b b^T with b_p = sum_q w_q cof F_q : D_p. */
static int cell_eval(struct ns_mech *m, const struct ns_q1cell *c, size_t cell, const double *u, double dt,
                     double *fe, double *Ke) {
  const int nen = m->nen, nc = m->nc, ngp = m->ngp, nloc = nen * nc;
  const struct ns_material *mat = &m->mats[m->cell_mat[cell]];
  const size_t ss = m->hist_ss[m->cell_mat[cell]];
  const int visco = dt > 0.0 && ss > 0;
  double ue[NLOC_MAX];
  for (int a = 0; a < nen; a++)
    for (int comp = 0; comp < nc; comp++) ue[a * nc + comp] = u[c->node[a] * (size_t)nc + (size_t)comp];
  for (int p = 0; p < nloc; p++) fe[p] = 0.0;
  if (Ke)
    for (int p = 0; p < nloc * nloc; p++) Ke[p] = 0.0;
  /* Pass 1: kinematics at every Gauss point and the cell-averaged Jacobian. */
  double F[NPT_MAX][9], C[NPT_MAX][9], Jq[NPT_MAX], vol = 0.0, jbar = 0.0;
  struct ns_q1dmap D[NPT_MAX];
  for (int q = 0; q < ngp; q++) {
    ns_q1cell_dmap(m->ndim, c, q, &D[q]);
    point_F(m, &D[q], ue, F[q]);
    Jq[q] = ns_det3(F[q]);
    if (!(Jq[q] > 0.0)) return 1;
    ns_cof3(F[q], C[q]);
    vol += c->w[q];
    jbar += c->w[q] * Jq[q];
  }
  jbar /= vol;
  double U, dU, d2U;
  ns_material_vol(mat, jbar, &U, &dU, &d2U);
  /* Pass 2: stresses and tangents. */
  double P[9], A[81], bvol[NLOC_MAX];
  double *Ap = Ke ? A : NULL;
  for (int p = 0; p < nloc; p++) bvol[p] = 0.0;
  for (int q = 0; q < ngp; q++) {
    int bad;
    if (visco) {
      const size_t off = m->hist_off[cell] + (size_t)q * ss;
      bad = ns_material_iso_visco(mat, F[q], dt, m->hist_old + off, m->hist_new + off, P, Ap);
    } else {
      bad = ns_material_iso(mat, F[q], P, Ap, NULL);
    }
    if (bad) return 1;
    const double gq = m->degr[cell * (size_t)ngp + (size_t)q];
    if (gq != 1.0) {
      for (int e = 0; e < 9; e++) P[e] *= gq;
      if (Ap)
        for (int e = 0; e < 81; e++) A[e] *= gq;
    }
    for (int e = 0; e < 9; e++) P[e] += dU * C[q][e];
    if (Ap) {
      /* d2J/dF_iJ dF_kL = (cof_iJ cof_kL - cof_iL cof_kJ) / J */
      const double s = dU / Jq[q];
      const double *Cq = C[q];
      for (int i = 0; i < 3; i++)
        for (int Jj = 0; Jj < 3; Jj++)
          for (int k = 0; k < 3; k++)
            for (int L = 0; L < 3; L++)
              A[(3 * i + Jj) * 9 + 3 * k + L] += s * (Cq[3 * i + Jj] * Cq[3 * k + L] - Cq[3 * i + L] * Cq[3 * k + Jj]);
      for (int p = 0; p < nloc; p++) {
        double v = 0.0;
        for (int t = 0; t < 3; t++) v += D[q].val[p][t] * Cq[D[q].idx[p][t]];
        bvol[p] += c->w[q] * v;
      }
    }
    add_point(nloc, &D[q], c->w[q], P, Ap, fe, Ke);
  }
  for (int p = 0; p < nloc; p++)
    if (!isfinite(fe[p])) return 1;
  if (Ke) {
    const double kv = d2U / vol;
    for (int p = 0; p < nloc; p++)
      for (int q = p; q < nloc; q++) Ke[p * nloc + q] += kv * bvol[p] * bvol[q];
    for (int p = 0; p < nloc; p++)
      for (int q = 0; q < p; q++) Ke[p * nloc + q] = Ke[q * nloc + p];
  }
  return 0;
}

/* Scatter a cell vector / matrix into the global arrays (no two cells of a colour collide). */
static void cell_scatter(const struct ns_mech *m, const struct ns_q1cell *c, const double *fe, const double *Ke,
                         double *R, struct ns_smat *K) {
  const int nen = m->nen, nc = m->nc, nloc = nen * nc;
  for (int a = 0; a < nen; a++)
    for (int comp = 0; comp < nc; comp++) R[c->node[a] * (size_t)nc + (size_t)comp] += fe[a * nc + comp];
  if (!K) return;
  for (int a = 0; a < nen; a++) {
    double *row = K->a + c->node[a] * K->bs;
    for (int b = 0; b < nen; b++) {
      int d[3];
      for (int e = 0; e < 3; e++) d[e] = ((b >> e) & 1) - ((a >> e) & 1);
      double *blk = row + (size_t)ns_smat_stencil_index(m->ndim, d) * (size_t)(nc * nc);
      for (int r = 0; r < nc; r++)
        for (int s = 0; s < nc; s++) blk[r * nc + s] += Ke[(a * nc + r) * nloc + b * nc + s];
    }
  }
}

/* Kinds of coloured cell loops. */
enum kern_kind { KERN_INTERNAL, KERN_BODY, KERN_MASS };

struct kern_args {
  struct ns_mech *m;
  const double *u;
  double dt, t;
  double *R;
  struct ns_smat *K;
};

/* Mass of one cell, Me_ab = sum_q w_q rho N_a N_b (exact: the products are at most quadratic per
 * direction times the axisymmetric weight r, cubic in r, and the 2-point rule is exact to cubic),
 * scattered as consistent blocks into K or as row sums into the diagonal vector R. */
static void cell_mass(const struct kern_args *ka, const struct ns_q1cell *c, size_t cell) {
  const struct ns_mech *m = ka->m;
  const int nen = m->nen, nc = m->nc, nloc = nen * nc;
  const double rho = m->mats[m->cell_mat[cell]].density;
  double Me[8][8];
  for (int a = 0; a < nen; a++)
    for (int b = 0; b < nen; b++) {
      double s = 0.0;
      for (int q = 0; q < m->ngp; q++) s += c->w[q] * c->N[q][a] * c->N[q][b];
      Me[a][b] = rho * s;
    }
  if (ka->R) {
    for (int a = 0; a < nen; a++) {
      double s = 0.0;
      for (int b = 0; b < nen; b++) s += Me[a][b];
      for (int comp = 0; comp < nc; comp++) ka->R[c->node[a] * (size_t)nc + (size_t)comp] += s;
    }
    return;
  }
  double Ke[NLOC_MAX * NLOC_MAX];
  for (int p = 0; p < nloc * nloc; p++) Ke[p] = 0.0;
  for (int a = 0; a < nen; a++)
    for (int b = 0; b < nen; b++)
      for (int comp = 0; comp < nc; comp++) Ke[(a * nc + comp) * nloc + b * nc + comp] = Me[a][b];
  for (int a = 0; a < nen; a++) {
    double *row = ka->K->a + c->node[a] * ka->K->bs;
    for (int b = 0; b < nen; b++) {
      int d[3];
      for (int e = 0; e < 3; e++) d[e] = ((b >> e) & 1) - ((a >> e) & 1);
      double *blk = row + (size_t)ns_smat_stencil_index(m->ndim, d) * (size_t)(nc * nc);
      for (int r = 0; r < nc; r++)
        for (int q = 0; q < nc; q++) blk[r * nc + q] += Ke[(a * nc + r) * nloc + b * nc + q];
    }
  }
}

/* Work on one cell; returns nonzero on a material failure. */
static int kern_cell(const struct kern_args *ka, enum kern_kind kind, int i, int j, int k) {
  struct ns_mech *m = ka->m;
  struct ns_q1cell c;
  double fe[NLOC_MAX], Ke[NLOC_MAX * NLOC_MAX];
  ns_q1cell_setup(m->g, i, j, k, &c);
  const size_t cell = ns_mech_cell_index(m, i, j, k);
  if (kind == KERN_INTERNAL) {
    if (cell_eval(m, &c, cell, ka->u, ka->dt, fe, ka->K ? Ke : NULL)) return 1;
    cell_scatter(m, &c, fe, Ke, ka->R, ka->K);
    return 0;
  }
  if (kind == KERN_MASS) {
    cell_mass(ka, &c, cell);
    return 0;
  }
  const int nen = m->nen, nc = m->nc;
  for (int p = 0; p < nen * nc; p++) fe[p] = 0.0;
  for (int q = 0; q < m->ngp; q++) {
    double b[3] = {0, 0, 0};
    m->body(c.X[q], ka->t, m->body_ctx, b);
    for (int a = 0; a < nen; a++)
      for (int comp = 0; comp < nc; comp++) fe[a * nc + comp] += c.w[q] * c.N[q][a] * b[comp];
  }
  cell_scatter(m, &c, fe, NULL, ka->R, NULL);
  return 0;
}

/* Coloured loop over all cells. Returns the smallest failing cell index or SIZE_MAX. */
static size_t kern_loop(const struct kern_args *ka, enum kern_kind kind) {
  const struct ns_mech *m = ka->m;
  const int ncol = 1 << m->ndim;
  const int n0 = m->ncell[0], n1 = m->ncell[1], n2 = m->ncell[2];
  size_t bad = SIZE_MAX;
  for (int col = 0; col < ncol; col++) {
    const int p0 = col & 1, p1 = (col >> 1) & 1, p2 = (col >> 2) & 1;
    const int nk = (n2 - p2 + 1) / 2, nj = (n1 - p1 + 1) / 2;
    size_t badc = SIZE_MAX;
#pragma omp parallel for collapse(2) default(none) shared(ka) firstprivate(kind, nk, nj, n0, p0, p1, p2) \
    reduction(min : badc) schedule(static)
    for (int kk = 0; kk < nk; kk++)
      for (int jj = 0; jj < nj; jj++) {
        const int k = 2 * kk + p2, j = 2 * jj + p1;
        for (int i = p0; i < n0; i += 2)
          if (kern_cell(ka, kind, i, j, k)) {
            size_t cell = ns_mech_cell_index(ka->m, i, j, k);
            if (cell < badc) badc = cell;
          }
      }
    if (badc < bad) bad = badc;
  }
  return bad;
}

int ns_mech_kern_internal(struct ns_mech *m, const double *u, double dt, double *R, struct ns_smat *K,
                          struct ns_mech_fail *fail) {
  ns_vec_set(m->ndof, R, 0.0);
  if (K) ns_smat_zero(K);
  struct kern_args ka = {m, u, dt, 0.0, R, K};
  size_t bad = kern_loop(&ka, KERN_INTERNAL);
  if (fail) fail->cell = bad;
  return bad != SIZE_MAX;
}

void ns_mech_kern_body(struct ns_mech *m, double t, double *f) {
  if (!m->body) return;
  struct kern_args ka = {m, NULL, 0.0, t, f, NULL};
  (void)kern_loop(&ka, KERN_BODY);
}

/* Cauchy stress sigma = P F^T / J, symmetrised, packed as (00, 11, 22, 01, 12, 20). */
static void cauchy_add(const double P[9], const double F[9], double J, double scale, double s[6]) {
  double sig[9];
  for (int i = 0; i < 3; i++)
    for (int k = 0; k < 3; k++) {
      double v = 0.0;
      for (int L = 0; L < 3; L++) v += P[3 * i + L] * F[3 * k + L];
      sig[3 * i + k] = v / J;
    }
  s[0] += scale * sig[0];
  s[1] += scale * sig[4];
  s[2] += scale * sig[8];
  s[3] += scale * 0.5 * (sig[1] + sig[3]);
  s[4] += scale * 0.5 * (sig[5] + sig[7]);
  s[5] += scale * 0.5 * (sig[6] + sig[2]);
}

/* Outputs of one cell: volume-weighted Gauss-point averages (history scratch: the trial state
 * is written to a local buffer, the committed history is only read). */
static void cell_outputs(struct ns_mech *m, int i, int j, int k, const double *u, double dt, double *stress,
                         double *energy, double *jac) {
  struct ns_q1cell c;
  ns_q1cell_setup(m->g, i, j, k, &c);
  const size_t cell = ns_mech_cell_index(m, i, j, k);
  const int nen = m->nen, nc = m->nc, ngp = m->ngp;
  const struct ns_material *mat = &m->mats[m->cell_mat[cell]];
  const size_t ss = m->hist_ss[m->cell_mat[cell]];
  double scratch[6 * (NS_MAX_PRONY + 1)]; /* one Gauss point's QLV history, see material.h */
  double ue[NLOC_MAX], F[9], P[9], s[6] = {0, 0, 0, 0, 0, 0}, wsum = 0.0, vol = 0.0, jbar = 0.0;
  for (int a = 0; a < nen; a++)
    for (int comp = 0; comp < nc; comp++) ue[a * nc + comp] = u[c.node[a] * (size_t)nc + (size_t)comp];
  for (int q = 0; q < ngp; q++) vol += c.w[q];
  struct ns_q1dmap D;
  for (int q = 0; q < ngp; q++) {
    ns_q1cell_dmap(m->ndim, &c, q, &D);
    point_F(m, &D, ue, F);
    const double Jg = ns_det3(F), wq = c.w[q] / vol;
    double Wq = 0.0;
    if (ns_material_iso(mat, F, P, NULL, &Wq)) Wq = NAN;
    if (dt > 0.0 && ss > 0 && ss <= sizeof scratch / sizeof scratch[0]) {
      const size_t off = m->hist_off[cell] + (size_t)q * ss;
      if (ns_material_iso_visco(mat, F, dt, m->hist_old + off, scratch, P, NULL)) P[0] = NAN;
    }
    const double gq = m->degr[cell * (size_t)ngp + (size_t)q];
    cauchy_add(P, F, Jg, gq * wq, s);
    wsum += gq * Wq * wq;
    jbar += Jg * wq;
  }
  double U = 0.0, dU = 0.0;
  ns_material_vol(mat, jbar, &U, &dU, NULL);
  for (int e = 0; e < 3; e++) s[e] += dU; /* volumetric Cauchy stress U'(Jbar) I (mean dilatation) */
  for (int e = 0; e < 6; e++) stress[cell * 6 + (size_t)e] = s[e];
  energy[cell] = wsum + U;
  jac[cell] = jbar;
}

void ns_mech_kern_outputs(struct ns_mech *m, const double *u, double dt) {
  const int slot = 1 - m->cur;
  double *stress = m->stress[slot], *energy = m->energy[slot], *jac = m->jac[slot];
  const int n0 = m->ncell[0], n1 = m->ncell[1], n2 = m->ncell[2];
  /* Cells write only their own entries: no colouring needed. */
#pragma omp parallel for collapse(2) default(none) shared(m, u, stress, energy, jac) \
    firstprivate(dt, n0, n1, n2) schedule(static)
  for (int k = 0; k < n2; k++)
    for (int j = 0; j < n1; j++)
      for (int i = 0; i < n0; i++) cell_outputs(m, i, j, k, u, dt, stress, energy, jac);
}

/* W_iso at the Gauss points of one cell. */
static void cell_gauss_energy(const struct ns_mech *m, int i, int j, int k, double *psi) {
  struct ns_q1cell c;
  ns_q1cell_setup(m->g, i, j, k, &c);
  const size_t cell = ns_mech_cell_index(m, i, j, k);
  const int nen = m->nen, nc = m->nc, ngp = m->ngp;
  const struct ns_material *mat = &m->mats[m->cell_mat[cell]];
  double ue[NLOC_MAX], F[9], P[9];
  for (int a = 0; a < nen; a++)
    for (int comp = 0; comp < nc; comp++) ue[a * nc + comp] = m->u[c.node[a] * (size_t)nc + (size_t)comp];
  struct ns_q1dmap D;
  for (int q = 0; q < ngp; q++) {
    ns_q1cell_dmap(m->ndim, &c, q, &D);
    point_F(m, &D, ue, F);
    double W = NAN;
    if (ns_material_iso(mat, F, P, NULL, &W)) W = NAN;
    psi[cell * (size_t)ngp + (size_t)q] = W;
  }
}

void ns_mech_gauss_energy(const struct ns_mech *m, double *psi) {
  const int n0 = m->ncell[0], n1 = m->ncell[1], n2 = m->ncell[2];
  /* Cells write only their own entries: no colouring needed. */
#pragma omp parallel for collapse(2) default(none) shared(m, psi) firstprivate(n0, n1, n2) schedule(static)
  for (int k = 0; k < n2; k++)
    for (int j = 0; j < n1; j++)
      for (int i = 0; i < n0; i++) cell_gauss_energy(m, i, j, k, psi);
}

/* ---- dynamics and energy ------------------------------------------------------------------ */

void ns_mech_kern_mass(struct ns_mech *m, struct ns_smat *M, double *diag) {
  if (M) ns_smat_zero(M);
  if (diag) ns_vec_set(m->ndof, diag, 0.0);
  struct kern_args ka = {m, NULL, 0.0, 0.0, diag, diag ? NULL : M};
  (void)kern_loop(&ka, KERN_MASS);
}

/* QLV dissipation of one cell over a substep [J] (ledger of material.h): the branches' stress work
 * from the committed state (m->u, hist_old) to the trial state (u_new, hist_new) minus the change of
 * their stored energy, Gauss-point sum with the degradation factors. */
static double cell_dissipation(const struct ns_mech *m, int i, int j, int k, const double *u_new, double dt) {
  const size_t cell = ns_mech_cell_index(m, i, j, k);
  const struct ns_material *mat = &m->mats[m->cell_mat[cell]];
  const size_t ss = m->hist_ss[m->cell_mat[cell]];
  if (ss == 0 || !(dt > 0.0)) return 0.0;
  struct ns_q1cell c;
  ns_q1cell_setup(m->g, i, j, k, &c);
  const int nen = m->nen, nc = m->nc;
  double uo[NLOC_MAX], un[NLOC_MAX], Fo[9], Fn[9];
  for (int a = 0; a < nen; a++)
    for (int comp = 0; comp < nc; comp++) {
      const size_t dof = c.node[a] * (size_t)nc + (size_t)comp;
      uo[a * nc + comp] = m->u[dof];
      un[a * nc + comp] = u_new[dof];
    }
  struct ns_q1dmap D;
  double s = 0.0;
  for (int q = 0; q < m->ngp; q++) {
    ns_q1cell_dmap(m->ndim, &c, q, &D);
    point_F(m, &D, uo, Fo);
    point_F(m, &D, un, Fn);
    const size_t off = m->hist_off[cell] + (size_t)q * ss;
    const double *ho = m->hist_old + off, *hn = m->hist_new + off;
    const double d = ns_material_qlv_work(mat, Fo, Fn, dt, ho, hn) -
                     (ns_material_qlv_energy(mat, Fn, hn) - ns_material_qlv_energy(mat, Fo, ho));
    s += c.w[q] * m->degr[cell * (size_t)m->ngp + (size_t)q] * d;
  }
  return s;
}

void ns_mech_kern_dissipation(const struct ns_mech *m, const double *u_new, double dt, double *cellv) {
  const int n0 = m->ncell[0], n1 = m->ncell[1], n2 = m->ncell[2];
#pragma omp parallel for collapse(2) default(none) shared(m, u_new, cellv) firstprivate(dt, n0, n1, n2)              \
    schedule(static)
  for (int k = 0; k < n2; k++)
    for (int j = 0; j < n1; j++)
      for (int i = 0; i < n0; i++) cellv[ns_mech_cell_index(m, i, j, k)] = cell_dissipation(m, i, j, k, u_new, dt);
}

/* Free energy and instantaneous elastic energy of one cell at the committed state [J]. */
static void cell_free_energy(const struct ns_mech *m, int i, int j, int k, double *psi, double *inst) {
  struct ns_q1cell c;
  ns_q1cell_setup(m->g, i, j, k, &c);
  const size_t cell = ns_mech_cell_index(m, i, j, k);
  const int nen = m->nen, nc = m->nc, ngp = m->ngp;
  const struct ns_material *mat = &m->mats[m->cell_mat[cell]];
  const size_t ss = m->hist_ss[m->cell_mat[cell]];
  double g_inf = 1.0;
  for (int p = 0; p < mat->nprony; p++) g_inf -= mat->g[p];
  double ue[NLOC_MAX], F[9], P[9], vol = 0.0, jbar = 0.0, e_free = 0.0, e_inst = 0.0;
  for (int a = 0; a < nen; a++)
    for (int comp = 0; comp < nc; comp++) ue[a * nc + comp] = m->u[c.node[a] * (size_t)nc + (size_t)comp];
  struct ns_q1dmap D;
  for (int q = 0; q < ngp; q++) {
    ns_q1cell_dmap(m->ndim, &c, q, &D);
    point_F(m, &D, ue, F);
    double W = NAN;
    if (ns_material_iso(mat, F, P, NULL, &W)) W = NAN;
    const double branch = ss > 0 ? ns_material_qlv_energy(mat, F, m->hist_old + m->hist_off[cell] + (size_t)q * ss) : 0.0;
    const double gq = m->degr[cell * (size_t)ngp + (size_t)q];
    e_free += c.w[q] * gq * (g_inf * W + branch);
    e_inst += c.w[q] * gq * W;
    vol += c.w[q];
    jbar += c.w[q] * ns_det3(F);
  }
  double U = 0.0;
  ns_material_vol(mat, jbar / vol, &U, NULL, NULL);
  psi[cell] = e_free + vol * U;
  inst[cell] = e_inst + vol * U;
}

void ns_mech_kern_free_energy(const struct ns_mech *m, double *cellv, double *cell2) {
  const int n0 = m->ncell[0], n1 = m->ncell[1], n2 = m->ncell[2];
#pragma omp parallel for collapse(2) default(none) shared(m, cellv, cell2) firstprivate(n0, n1, n2) schedule(static)
  for (int k = 0; k < n2; k++)
    for (int j = 0; j < n1; j++)
      for (int i = 0; i < n0; i++) cell_free_energy(m, i, j, k, cellv, cell2);
}
