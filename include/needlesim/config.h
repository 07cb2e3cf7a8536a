/* needlesim/config.h — the resolved, typed scenario for one run (one sweep case).
 *
 * Produced by ns_scenario_resolve() (scenario.h) after every key has been checked; consumed by
 * the skin model, the studies and the writer. Plain data, no pointers that need freeing.
 *
 * Units: every field is SI (m, s, Pa, N, J/m^2, kg/m^3, rad) even though scenario keys carry
 * their own unit in the name (`length_mm`, `speed_mm_s`). The conversion happens once, in the
 * scenario module. A per-layer override that was not given is NAN (see ns_cfg_given()).
 */
#ifndef NEEDLESIM_CONFIG_H
#define NEEDLESIM_CONFIG_H

#include <math.h>

/* ---- skin ------------------------------------------------------------------------------- */
enum ns_layer_id {
  NS_LAYER_STRATUM_CORNEUM = 0,
  NS_LAYER_EPIDERMIS,        /* viable epidermis */
  NS_LAYER_PAPILLARY_DERMIS,
  NS_LAYER_RETICULAR_DERMIS,
  NS_LAYER_HYPODERMIS,
  NS_NLAYERS
};

enum ns_site { NS_SITE_FACE = 0, NS_SITE_FOREARM, NS_SITE_ABDOMEN, NS_SITE_THIGH, NS_SITE_BACK, NS_NSITES };

/* Volumetric (bulk) energy U(J) of every layer (material.h): the quadratic (kappa/2)(J - 1)^2, bounded
 * as J -> 0, or the logarithmic (Simo-Miehe) (kappa/4)(J^2 - 1 - 2 ln J), unbounded as J -> 0. */
enum ns_vol_law { NS_VOL_QUADRATIC = 0, NS_VOL_LOGARITHMIC, NS_NVOL_LAWS };

/* Most Prony terms a layer may carry. */
#define NS_MAX_PRONY 3

/* Optional per-layer overrides ([layer.<name>] sections). NAN = not given. */
struct ns_layer_override {
  double thickness;            /* m        (thickness_um) */
  double youngs_modulus;       /* Pa       (youngs_modulus_kPa), small-strain E of the layer */
  double poisson_ratio;        /* 1        (poisson_ratio) */
  double ogden_alpha;          /* 1        (ogden_alpha) */
  double fibre_k1;             /* Pa       (fibre_k1_kPa), GOH collagen fibre stiffness */
  double fibre_k2;             /* 1        (fibre_k2), collagen fibre exponent */
  double fibre_dispersion;     /* 1        (fibre_dispersion), GOH dispersion about the skin plane */
  double prony_g[NS_MAX_PRONY];   /* 1     (prony_g1..3) relative moduli, sum < 1 */
  double prony_tau[NS_MAX_PRONY]; /* s     (prony_tau1_s..3) */
  double toughness;            /* J/m^2    (toughness_J_m2), critical energy release rate G_c */
  double tensile_strength;     /* Pa       (tensile_strength_MPa), cohesive strength sigma_c */
  double friction_coefficient; /* 1        (friction_coefficient), needle steel on this layer */
  double density;              /* kg/m^3   (density_kg_m3) */
};

struct ns_cfg_skin {
  double age_years;    /* years, 20..80 (literature tables span it; extrapolation is refused) */
  enum ns_site site;
  double hydration;    /* 0..1, stratum corneum water content as a fraction of saturation */
  enum ns_vol_law volumetric_law; /* (volumetric_law) bulk energy of every layer; 0 = quadratic */
  double prestretch;   /* 1, (prestretch) in-vivo equibiaxial in-plane pre-stretch of every layer; 1 = none */
  struct ns_layer_override layer[NS_NLAYERS];
};

/* ---- needle ----------------------------------------------------------------------------- */
struct ns_cfg_needle {
  double length;          /* m   (length_mm) exposed length of the needle */
  double shaft_diameter;  /* m   (shaft_diameter_um) */
  double tip_radius;      /* m   (tip_radius_um) radius of the rounded tip */
  double tip_half_angle;  /* rad (tip_half_angle_deg) half-angle of the conical tip */
};

/* ---- device ----------------------------------------------------------------------------- */
enum ns_device_type { NS_DEVICE_SINGLE = 0, NS_DEVICE_STAMP, NS_DEVICE_ROLLER, NS_DEVICE_PEN };

struct ns_cfg_device {
  enum ns_device_type type;
  double drum_diameter;   /* m   (drum_diameter_mm), roller */
  double drum_width;      /* m   (drum_width_mm), roller */
  int needle_rows;        /* 1   (needle_rows), roller */
  int needles_per_row;    /* 1   (needles_per_row), roller */
  double pitch;           /* m   (pitch_um), stamp: needle spacing; also the periodic cell */
  double stroke_depth;    /* m   (stroke_depth_mm), pen */
  double stroke_rate;     /* Hz  (stroke_rate_hz), pen */
  int needle_count;       /* 1   (needle_count), stamp: needles sharing the hand force */
};

/* ---- loading ---------------------------------------------------------------------------- */
enum ns_control { NS_CONTROL_DEPTH = 0, NS_CONTROL_FORCE };

struct ns_cfg_loading {
  enum ns_control control; /* depth if depth_mm is given, force if force_N is given */
  double speed;            /* m/s (speed_mm_s) insertion speed */
  double force;            /* N   (force_N) total hand force (force control), NAN otherwise */
  double depth;            /* m   (depth_mm) needle-holder travel past first contact, NAN otherwise */
  double dwell;            /* s   (dwell_s) hold at maximum insertion */
  double slip;             /* m   (slip_mm) roller hand drag per revolution */
};

/* ---- closure ---------------------------------------------------------------------------- */
struct ns_cfg_closure {
  double duration; /* s (duration_s) tissue time simulated after withdrawal, default 600 */
};

/* ---- characterisation studies ------------------------------------------------------------ */
/* [indentation]: a rigid indenter pressed into the skin at constant speed, then held. */
enum ns_indenter { NS_INDENTER_FLAT = 0, NS_INDENTER_SPHERE, NS_INDENTER_CONE };

struct ns_cfg_indentation {
  enum ns_indenter indenter; /* (indenter) flat-ended cylinder, sphere or cone */
  double radius;             /* m   (radius_um) flat punch radius or sphere radius; NAN for a cone */
  double half_angle;         /* rad (half_angle_deg) cone half-angle (axis to face); NAN otherwise */
  double depth;              /* m   (depth_um) largest indentation depth past first contact */
  double speed;              /* m/s (speed_um_s) loading speed */
  double hold;               /* s   (hold_s) hold at the largest depth */
};

/* [suction]: Cutometer-style suction through a round probe opening, on/off cycles. */
struct ns_cfg_suction {
  double aperture;  /* m  (aperture_mm) diameter of the probe opening */
  double pressure;  /* Pa (pressure_mbar) suction: pressure below ambient, > 0 */
  double on;        /* s  (on_s) suction time per cycle */
  double off;       /* s  (off_s) relaxation time per cycle */
  int cycles;       /* 1  (cycles) */
};

/* [penetration]: the needle driven into the skin until it cuts (sim/study_penetration.c). */
enum ns_pen_dynamics { NS_PEN_DYNAMICS_AUTO = 0, NS_PEN_DYNAMICS_ON, NS_PEN_DYNAMICS_OFF };
/* How the cut advances (docs/penetration.md section 1): cohesive ties that soften and break by
 * their strength, or node release by an energy (Griffith) criterion. */
enum ns_pen_cut_law { NS_PEN_CUT_COHESIVE = 0, NS_PEN_CUT_GRIFFITH };

struct ns_cfg_penetration {
  int cutting;             /* 1  (cutting) the needle cuts; 0: tenting only (no puncture) */
  double cut_radius;       /* m  (cut_radius_um) radius of the cut channel; NAN: the tip radius */
  double toughness_scale;  /* 1  (toughness_scale) multiplies every layer's G_c */
  double cut_viscosity;    /* s  (cut_viscosity_s) viscous regularisation time of the cut's ties;
                              NAN: 1e-4 of the insertion time */
  double tie_stiffness;    /* Pa/m (tie_stiffness_MPa_mm) initial stiffness of the cut's ties;
                              NAN or 0: peak at 0.1 delta_c */
  int dynamics;            /* enum ns_pen_dynamics (dynamics) inertia: auto, on, off */
  int output_steps;        /* 1  (output_steps) recorded points of the insertion */
  double path_cell;        /* m  (path_cell_um) cell height along the path; NAN: automatic */
  int cut_law;             /* enum ns_pen_cut_law (cut_law) cohesive or griffith */
};

/* ---- grid and numerics ------------------------------------------------------------------ */
enum ns_geometry { NS_GEOM_AXISYMMETRIC = 0, NS_GEOM_3D };

struct ns_cfg_grid {
  enum ns_geometry geometry;
  double width;        /* m (width_mm)  lateral extent: radius (axisymmetric) or half-width (3D) */
  double depth;        /* m (depth_mm)  extent below the surface; must exceed the needle length */
  int cells_lateral;   /* 1 (cells_lateral) cells across `width`; m * 2^k for multigrid */
  int cells_depth;     /* 1 (cells_depth) cells across `depth`; m * 2^k for multigrid */
  double surface_cell; /* m (surface_cell_um) cell height at the surface (grading starts here) */
  double axis_cell;    /* m (axis_cell_um)    cell width at the needle axis */
};

struct ns_cfg_numerics {
  double newton_rtol;   /* 1 relative residual reduction for Newton */
  int newton_max_iter;  /* 1 */
  double linear_rtol;   /* 1 relative residual reduction for the Krylov solve */
  int linear_max_iter;  /* 1 */
  double dt_initial;    /* s (dt_initial_s) */
  double dt_min;        /* s (dt_min_s) a step that must shrink below this stops the run */
  double dt_max;        /* s (dt_max_s) */
};

/* ---- study and output ------------------------------------------------------------------- */
/* What `needlesim run` computes. Only studies that exist are accepted by the parser. */
enum ns_study_kind { NS_STUDY_PROFILE = 0, NS_STUDY_INDENTATION, NS_STUDY_SUCTION, NS_STUDY_PENETRATION };

struct ns_cfg_study {
  enum ns_study_kind kind; /* (type) */
};

#define NS_PATH_MAX 4096
struct ns_cfg_output {
  char file[NS_PATH_MAX];  /* (file) output path; empty = out/<scenario basename>.h5 */
  int snapshots;           /* (snapshots) 1 = write field snapshots, 0 = summary data only */
};

/* ---- the whole run ---------------------------------------------------------------------- */
struct ns_config {
  struct ns_cfg_study study;
  struct ns_cfg_skin skin;
  struct ns_cfg_needle needle;
  struct ns_cfg_device device;
  struct ns_cfg_loading loading;
  struct ns_cfg_closure closure;
  struct ns_cfg_indentation indentation;
  struct ns_cfg_suction suction;
  struct ns_cfg_penetration penetration;
  struct ns_cfg_grid grid;
  struct ns_cfg_numerics numerics;
  struct ns_cfg_output output;
};

/* True when an optional value was given (not NAN). */
static inline int ns_cfg_given(double v) { return !isnan(v); }

#endif /* NEEDLESIM_CONFIG_H */
