/* skin_grid.c — the axisymmetric layered skin grid shared by the characterisation studies.
 *
 *   ns_skin_grid_build      graded (r, z) grid with layer interfaces and given radii on grid
 *                           lines, layer id per cell, one material per layer
 *   ns_skin_grid_free
 *   ns_skin_grid_mech_opts  [numerics] -> struct ns_mech_opts
 *   ns_skin_grid_mech       mechanics state with the common boundary conditions
 *   ns_skin_grid_write      grid datasets of a run
 *   ns_skin_grid_snapshot   one field snapshot (+ XDMF entry)
 *   ns_skin_grid_write_stats   solver counters as attributes
 *
 * See include/needlesim/skin_grid.h for the construction rules, boundary conditions and the
 * output layout.
 */
#include "needlesim/skin_grid.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A grid line may move onto an interface or radius by at most this fraction of the neighbouring
 * cell it shrinks (dimensionless): every cell keeps at least half its size, and the order. The
 * nearest line to a target always qualifies unless it was moved already. */
#define SNAP_MAX_FRACTION 0.5

void ns_skin_grid_free(struct ns_skin_grid *sg) {
  if (!sg) return;
  ns_grid_free(sg->grid);
  free(sg->cell_layer);
  sg->grid = NULL;
  sg->cell_layer = NULL;
}

/* Move the interior coordinate nearest to `target` onto it when the move is small enough and
 * that coordinate was not moved before (moved[k] marks moved lines). Returns its index or -1. */
static int snap_line(double *x, int n, unsigned char *moved, double target) {
  int best = -1;
  double bd = HUGE_VAL;
  for (int k = 1; k < n - 1; k++) {
    double d = fabs(x[k] - target);
    if (d < bd) {
      bd = d;
      best = k;
    }
  }
  if (best < 0 || moved[best]) return -1;
  /* The move shrinks the cell on its side (the one containing the target) and grows the other. */
  const double shrunk = target > x[best] ? x[best + 1] - x[best] : x[best] - x[best - 1];
  if (bd > SNAP_MAX_FRACTION * shrunk) return -1;
  x[best] = target;
  moved[best] = 1;
  return best;
}

/* Graded coordinates of one direction: n cells on [a, b], first cell h_fine at the fine end. */
static enum ns_status graded(int cells, double a, double b, double h_fine, int fine_at_a, double *x,
                             const char *key, struct ns_err *err) {
  double beta = 0.0;
  struct ns_err e2 = NS_ERR_INIT;
  if (ns_grid_stretch_for(cells, a, b, h_fine, &beta, &e2) != NS_OK)
    return ns_err_set(err, NS_EINPUT, "grid.%s: %s", key, e2.msg);
  ns_grid_coords_stretched(cells, a, b, beta, fine_at_a, x);
  return NS_OK;
}

enum ns_status ns_skin_grid_build(const struct ns_cfg_grid *cfg, const struct ns_skin *skin, const double *r_snap,
                                  int nsnap, struct ns_skin_grid *out, struct ns_err *err) {
  memset(out, 0, sizeof *out);
  for (int l = 0; l < NS_NLAYERS; l++) out->interface_node[l] = -1;
  for (int k = 0; k < NS_SKIN_GRID_MAX_SNAP; k++) out->snap_node[k] = -1;
  if (cfg->geometry != NS_GEOM_AXISYMMETRIC)
    return ns_err_set(err, NS_EINPUT,
                      "grid.geometry: expected axisymmetric (the indentation and suction studies are axisymmetric), "
                      "got 3d");
  if (nsnap < 0 || nsnap > NS_SKIN_GRID_MAX_SNAP)
    return ns_err_set(err, NS_EINTERNAL, "skin grid: %d radii to place (at most %d)", nsnap, NS_SKIN_GRID_MAX_SNAP);
  const int nr = cfg->cells_lateral, nz = cfg->cells_depth;
  double *xr = malloc((size_t)(nr + 1) * sizeof *xr), *xz = malloc((size_t)(nz + 1) * sizeof *xz);
  unsigned char *mr = calloc((size_t)(nr + 1), 1), *mz = calloc((size_t)(nz + 1), 1);
  enum ns_status st = NS_OK;
  if (!xr || !xz || !mr || !mz) {
    st = ns_err_set(err, NS_ENOMEM, "skin grid: out of memory");
    goto done;
  }
  if ((st = graded(nr, 0.0, cfg->width, cfg->axis_cell, 1, xr, "axis_cell_um", err)) != NS_OK) goto done;
  if ((st = graded(nz, -cfg->depth, 0.0, cfg->surface_cell, 0, xz, "surface_cell_um", err)) != NS_OK) goto done;

  /* Layer interfaces onto z lines, top down (the thin upper layers first: they matter most). */
  out->interface_node[0] = nz;
  for (int l = 1; l < NS_NLAYERS; l++) {
    const double top = skin->layer[l].top;
    if (top >= cfg->depth) continue;
    out->interface_node[l] = snap_line(xz, nz + 1, mz, -top);
  }
  for (int k = 0; k < nsnap; k++)
    if (r_snap[k] > 0.0 && r_snap[k] < cfg->width) out->snap_node[k] = snap_line(xr, nr + 1, mr, r_snap[k]);

  /* Layer of each cell: the layer containing the cell centre. */
  out->nr = nr;
  out->nz = nz;
  out->ncells = (size_t)nr * (size_t)nz;
  out->cell_layer = malloc(out->ncells);
  if (!out->cell_layer) {
    st = ns_err_set(err, NS_ENOMEM, "skin grid: out of memory");
    goto done;
  }
  out->sc_cells = 0;
  for (int j = 0; j < nz; j++) {
    const double depth = -0.5 * (xz[j] + xz[j + 1]);
    const enum ns_layer_id l = ns_skin_layer_at(skin, depth);
    if (l == NS_LAYER_STRATUM_CORNEUM) out->sc_cells++;
    memset(out->cell_layer + (size_t)j * (size_t)nr, (int)l, (size_t)nr);
  }
  if (out->sc_cells < NS_SKIN_GRID_MIN_SC_CELLS) {
    const double sc = skin->layer[NS_LAYER_STRATUM_CORNEUM].thickness.value;
    st = ns_err_set(err, NS_EINPUT,
                    "grid.surface_cell_um: expected at least %d cells across the stratum corneum (%.4g um thick at "
                    "age %.4g, %s), got %d with surface_cell_um = %.4g and cells_depth = %d; use surface_cell_um <= "
                    "%.4g um (SC thickness / %d; less with strong grading) or more cells_depth",
                    NS_SKIN_GRID_MIN_SC_CELLS, sc * 1e6, skin->age_years, ns_site_name(skin->site), out->sc_cells,
                    cfg->surface_cell * 1e6, nz, sc * 1e6 / NS_SKIN_GRID_MIN_SC_CELLS, NS_SKIN_GRID_MIN_SC_CELLS);
    goto done;
  }

  for (int l = 0; l < NS_NLAYERS; l++) {
    const struct ns_skin_layer *L = &skin->layer[l];
    const enum ns_hyper_model model = L->ogden_alpha.value == 2.0 ? NS_HYPER_NEOHOOKE : NS_HYPER_OGDEN;
    if ((st = ns_material_from_layer(L, model, &out->mat[l], err)) != NS_OK) goto done;
  }
  {
    const int n[3] = {nr + 1, nz + 1, 1};
    const double *const x[3] = {xr, xz, NULL};
    st = ns_grid_create(NS_GEOM_AXISYMMETRIC, n, x, &out->grid, err);
  }
done:
  free(xr);
  free(xz);
  free(mr);
  free(mz);
  if (st != NS_OK) ns_skin_grid_free(out);
  return st;
}

struct ns_mech_opts ns_skin_grid_mech_opts(const struct ns_cfg_numerics *num) {
  struct ns_mech_opts o = ns_mech_opts_defaults();
  o.newton_rtol = num->newton_rtol;
  o.newton_max_iter = num->newton_max_iter;
  o.lin.rtol = num->linear_rtol;
  o.lin.max_iter = num->linear_max_iter;
  o.dt_initial = num->dt_initial;
  o.dt_min = num->dt_min;
  o.dt_max = num->dt_max;
  return o;
}

enum ns_status ns_skin_grid_mech(const struct ns_skin_grid *sg, const struct ns_cfg_numerics *num,
                                 struct ns_mech **out, struct ns_err *err) {
  const struct ns_mech_opts o = ns_skin_grid_mech_opts(num);
  struct ns_mech *m = NULL;
  NS_TRY(ns_mech_create(sg->grid, sg->mat, NS_NLAYERS, sg->cell_layer, &o, &m, err));
  enum ns_status st = ns_mech_set_face(m, NS_FACE_AXI_BOTTOM, NS_BC_FIXED, err);
  if (st == NS_OK) st = ns_mech_set_face(m, NS_FACE_AXI_RMAX, NS_BC_SLIDING, err);
  if (st != NS_OK) {
    ns_mech_free(m);
    return st;
  }
  *out = m;
  return NS_OK;
}

enum ns_status ns_skin_grid_write(const struct ns_skin_grid *sg, const struct ns_skin *skin, struct ns_writer *w,
                                  const char *run_group, struct ns_err *err) {
  char path[128];
  const struct ns_grid *g = sg->grid;
  snprintf(path, sizeof path, "%s/grid", run_group);
  NS_TRY(ns_writer_group(w, path, "axisymmetric (r, z) grid of the run: graded, layer interfaces on grid lines", err));
  size_t n0 = (size_t)g->n[0], n1 = (size_t)g->n[1];
  snprintf(path, sizeof path, "%s/grid/r", run_group);
  NS_TRY(ns_writer_dataset(w, path, 1, &n0, g->x[0], "m", "radial node coordinates (0 = axis)", err));
  snprintf(path, sizeof path, "%s/grid/z", run_group);
  NS_TRY(ns_writer_dataset(w, path, 1, &n1, g->x[1], "m", "vertical node coordinates (0 = skin surface, < 0 below)",
                           err));
  int64_t *lay = malloc(sg->ncells * sizeof *lay);
  if (!lay) return ns_err_set(err, NS_ENOMEM, "skin grid: out of memory");
  for (size_t c = 0; c < sg->ncells; c++) lay[c] = sg->cell_layer[c];
  const size_t dims[2] = {(size_t)sg->nz, (size_t)sg->nr};
  snprintf(path, sizeof path, "%s/grid/layer", run_group);
  enum ns_status st = ns_writer_dataset_int(w, path, 2, dims, lay, "1",
                                            "layer id per cell [z][r] (index into layer_name)", err);
  free(lay);
  NS_TRY(st);
  const char *names[NS_NLAYERS];
  for (int l = 0; l < NS_NLAYERS; l++) names[l] = skin->layer[l].name;
  snprintf(path, sizeof path, "%s/grid/layer_name", run_group);
  return ns_writer_strings(w, path, NS_NLAYERS, names, "layer names by id, top down", err);
}

enum ns_status ns_skin_grid_write_stats(const struct ns_mech *m, struct ns_writer *w, const char *obj,
                                       struct ns_err *err) {
  const struct ns_mech_stats *s = ns_mech_get_stats(m);
  NS_TRY(ns_writer_attr_int(w, obj, "substeps_accepted", s->steps_accepted, err));
  NS_TRY(ns_writer_attr_int(w, obj, "substeps_rejected", s->steps_rejected, err));
  NS_TRY(ns_writer_attr_int(w, obj, "newton_iterations", s->newton_iters, err));
  NS_TRY(ns_writer_attr_int(w, obj, "linear_iterations", s->linear_iters, err));
  return ns_writer_attr_double(w, obj, "solver_wall_time", s->t_total, "s", err);
}

/* Von Mises stress of an axisymmetric Cauchy stress (rr, zz, thth, rz). */
static double von_mises(const double *s) {
  const double a = s[0] - s[1], b = s[1] - s[2], c = s[2] - s[0];
  return sqrt(0.5 * (a * a + b * b + c * c) + 3.0 * s[3] * s[3]);
}

enum ns_status ns_skin_grid_snapshot(const struct ns_skin_grid *sg, const struct ns_mech *m, struct ns_writer *w,
                                     const char *run_group, int index, double t, struct ns_err *err) {
  const struct ns_grid *g = sg->grid;
  char base[128], pu[160], ps[160], pv[160], pe[160], pr[160], pz[160], pl[160], gname[64];
  snprintf(base, sizeof base, "%s/snapshots/%04d", run_group, index);
  NS_TRY(ns_writer_group(w, base, "field snapshot of the committed state", err));
  NS_TRY(ns_writer_attr_double(w, base, "time", t, "s", err));
  snprintf(pu, sizeof pu, "%s/u", base);
  snprintf(ps, sizeof ps, "%s/stress", base);
  snprintf(pv, sizeof pv, "%s/von_mises", base);
  snprintf(pe, sizeof pe, "%s/energy", base);
  snprintf(pr, sizeof pr, "%s/grid/r", run_group);
  snprintf(pz, sizeof pz, "%s/grid/z", run_group);
  snprintf(pl, sizeof pl, "%s/grid/layer", run_group);
  /* Three components (u_r, u_z, u_theta = 0) so that ParaView sees a vector (X = r, Y = z) and
   * "Warp By Vector" applies directly. */
  const size_t nd[3] = {(size_t)g->n[1], (size_t)g->n[0], 3};
  double *u3 = malloc(g->nnodes * 3 * sizeof *u3);
  if (!u3) return ns_err_set(err, NS_ENOMEM, "skin grid: out of memory");
  const double *u = ns_mech_displacement(m);
  for (size_t i = 0; i < g->nnodes; i++) {
    u3[3 * i] = u[2 * i];
    u3[3 * i + 1] = u[2 * i + 1];
    u3[3 * i + 2] = 0.0;
  }
  enum ns_status st = ns_writer_dataset(w, pu, 3, nd, u3, "m", "nodal displacement [z][r][u_r, u_z, u_theta = 0]", err);
  free(u3);
  NS_TRY(st);
  const size_t cd[3] = {(size_t)sg->nz, (size_t)sg->nr, 6};
  const double *sig = ns_mech_cell_stress(m);
  NS_TRY(ns_writer_dataset(w, ps, 3, cd, sig, "Pa",
                           "Cauchy stress per cell [z][r][rr, zz, thth, rz, 0, 0] (Gauss-point average)", err));
  double *vm = malloc(sg->ncells * sizeof *vm);
  if (!vm) return ns_err_set(err, NS_ENOMEM, "skin grid: out of memory");
  for (size_t c = 0; c < sg->ncells; c++) vm[c] = von_mises(sig + 6 * c);
  st = ns_writer_dataset(w, pv, 2, cd, vm, "Pa", "von Mises stress per cell [z][r]", err);
  free(vm);
  NS_TRY(st);
  NS_TRY(ns_writer_dataset(w, pe, 2, cd, ns_mech_cell_energy(m), "J/m^3",
                           "stored energy density per reference volume per cell [z][r]", err));
  const struct ns_xdmf_field fields[] = {
      {"u", pu, 3, 0}, {"stress", ps, 6, 1}, {"von_mises", pv, 1, 1}, {"energy", pe, 1, 1}, {"layer", pl, 1, 1},
  };
  const size_t ndims[3] = {(size_t)g->n[0], (size_t)g->n[1], 1};
  const char *const coords[3] = {pr, pz, NULL};
  /* One temporal collection per run: "run_0000" for "/runs/0000". */
  const char *slash = strrchr(run_group, '/');
  snprintf(gname, sizeof gname, "run_%s", slash ? slash + 1 : run_group);
  return ns_writer_xdmf_snapshot(w, gname, t, 2, ndims, coords, sizeof fields / sizeof fields[0], fields, err);
}
