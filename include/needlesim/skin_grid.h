/* needlesim/skin_grid.h — the axisymmetric layered skin grid of the characterisation studies
 * (indentation, suction), their boundary conditions, and their grid and field-snapshot output.
 *
 * Grid ([grid] keys, config.h): r in [0, width] graded towards the axis (first cell axis_cell),
 * z in [-depth, 0] graded towards the surface (first cell surface_cell), with the exponential
 * stretching of grid.h. Then grid lines are moved onto
 *   - the layer interfaces of the skin model (the tops of layers 1..4 above the bottom), so that
 *     every layer is a union of whole cells and the interface fluxes are exact, and
 *   - the requested radii (the punch edge, the suction aperture rim),
 * each onto the nearest line (a move of at most half the cell it shrinks, so no cell shrinks
 * below half its size and the ordering is kept), unless that line was moved already. An
 * interface that cannot be placed on a line (two interfaces within one cell) is left inside a
 * cell, which takes the material of the layer containing its centre; the layer thicknesses are
 * then resolved to half a cell.
 *
 * Materials: one per layer, id = enum ns_layer_id, from ns_material_from_layer (neo-Hookean when
 * the layer's Ogden exponent is 2, one-term Ogden otherwise; Prony terms of the layer).
 *
 * Boundary conditions (ns_skin_grid_boundaries): bottom z = -depth fixed (the tissue below is
 * much stiffer fascia/muscle, and a fixed base is the usual choice of skin indentation and
 * suction models); far side r = width sliding (u_r = 0, u_z free: the skin sheet continues
 * beyond the domain and cannot retract radially, but may move vertically); top surface
 * traction-free except where a study loads it.
 *
 * Output layout under the run group G ("/runs/0000"):
 *   G/grid/r [nr+1], G/grid/z [nz+1]              node coordinates [m] (z = 0 surface, < 0 below)
 *   G/grid/layer [nz][nr]                         layer id per cell (int, 1; names in layer_name)
 *   G/grid/layer_name [5]                         text
 *   G/snapshots/NNNN/u [nz+1][nr+1][3]            nodal displacement (u_r, u_z, u_theta = 0) [m]:
 *                                                 a 3-vector so ParaView can warp by it directly
 *   G/snapshots/NNNN/stress [nz][nr][6]           Cauchy stress per cell (rr, zz, thth, rz, 0, 0)
 *                                                 [Pa]: ParaView Tensor6 with X = r, Y = z, Z = theta
 *   G/snapshots/NNNN/von_mises [nz][nr]           von Mises stress [Pa]
 *   G/snapshots/NNNN/energy [nz][nr]              stored energy density [J/m^3]
 * each snapshot group with a `time` attribute [s], and one XDMF entry (grid name "skin") so that
 * ParaView opens NAME.xmf next to NAME.h5 as a time series.
 */
#ifndef NEEDLESIM_SKIN_GRID_H
#define NEEDLESIM_SKIN_GRID_H

#include <stddef.h>
#include <stdint.h>

#include "needlesim/config.h"
#include "needlesim/grid.h"
#include "needlesim/io.h"
#include "needlesim/material.h"
#include "needlesim/mech.h"
#include "needlesim/skin.h"
#include "needlesim/status.h"

/* Cells required across the stratum corneum (its stiffness contrast with the dermis is ~100:1;
 * fewer cells cannot represent its bending). */
#define NS_SKIN_GRID_MIN_SC_CELLS 4
/* Most radii ns_skin_grid_build can place on grid lines. */
#define NS_SKIN_GRID_MAX_SNAP 4

struct ns_skin_grid {
  struct ns_grid *grid;                   /* axisymmetric (r, z), owned */
  int nr, nz;                             /* cells in r and z */
  size_t ncells;                          /* nr * nz */
  uint8_t *cell_layer;                    /* layer id per cell (i + nr * j), owned */
  struct ns_material mat[NS_NLAYERS];     /* material of layer l has id l */
  int interface_node[NS_NLAYERS];         /* z node index of the top of layer l when it lies on a
                                             grid line (layer 0: the surface), -1 otherwise or
                                             when the layer starts below the domain */
  int snap_node[NS_SKIN_GRID_MAX_SNAP];   /* r node index placed on r_snap[k], -1 when not placed */
  int sc_cells;                           /* cells whose centre lies in the stratum corneum */
};

/* Build the grid, cell layers and materials for the resolved [grid] and skin. r_snap[0..nsnap-1]
 * (may be NULL when nsnap = 0) are radii [m] to place on grid lines. Errors (NS_EINPUT, with the
 * key to change): 3D geometry; fewer than NS_SKIN_GRID_MIN_SC_CELLS cells across the stratum
 * corneum (then grid.surface_cell_um must be at most the SC thickness / 4, less with strong
 * grading); invalid layer materials. NS_ENOMEM. Free with ns_skin_grid_free. */
enum ns_status ns_skin_grid_build(const struct ns_cfg_grid *cfg, const struct ns_skin *skin, const double *r_snap,
                                  int nsnap, struct ns_skin_grid *out, struct ns_err *err);
void ns_skin_grid_free(struct ns_skin_grid *sg);

/* Mechanics options from [numerics] (tolerances, iteration limits, time-step bounds). */
struct ns_mech_opts ns_skin_grid_mech_opts(const struct ns_cfg_numerics *num);

/* Create the mechanics state on the grid with the layer materials and apply the common boundary
 * conditions (bottom fixed, far side sliding). */
enum ns_status ns_skin_grid_mech(const struct ns_skin_grid *sg, const struct ns_cfg_numerics *num,
                                 struct ns_mech **out, struct ns_err *err);

/* Write G/grid/{r, z, layer, layer_name} (G = run_group). */
enum ns_status ns_skin_grid_write(const struct ns_skin_grid *sg, const struct ns_skin *skin, struct ns_writer *w,
                                  const char *run_group, struct ns_err *err);

/* Write snapshot `index` of the committed state of m at time t [s] under G/snapshots/NNNN and
 * record it for the XDMF sidecar. ns_skin_grid_write must have been called for this run group. */
enum ns_status ns_skin_grid_snapshot(const struct ns_skin_grid *sg, const struct ns_mech *m, struct ns_writer *w,
                                     const char *run_group, int index, double t, struct ns_err *err);

/* Solver counters of m (substeps accepted/rejected, Newton and linear iterations, wall time) as
 * attributes of the existing object `obj`. */
enum ns_status ns_skin_grid_write_stats(const struct ns_mech *m, struct ns_writer *w, const char *obj,
                                       struct ns_err *err);

#endif /* NEEDLESIM_SKIN_GRID_H */
