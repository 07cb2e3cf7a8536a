/* study_profile.c — [study] type = profile: write the resolved layered skin model of a run.
 *
 *   ns_study_profile   /runs/NNNN/skin/... datasets and the profile summary columns
 *
 * Layout under /runs/NNNN/skin (every dataset with units and description):
 *   layer_name[5]                       text
 *   top_depth, bottom_depth, thickness  m      depth below the undeformed surface
 *   youngs_modulus, shear_modulus, bulk_modulus   Pa
 *   poisson_ratio, ogden_alpha          1
 *   prony_g[5][3] (1), prony_tau[5][3] (s)   unused terms are NaN
 *   toughness (J/m^2), tensile_strength (Pa), friction_coefficient (1), density (kg/m^3)
 *   sources/<quantity>[5]               text: literature source of each layer's value
 *   capillary_loop_depth, superficial_plexus_depth   m (scalars; `source` attribute)
 *   with [skin] prestretch != 1: prestretch, prestretch_z[5], prestress[5] (Pa), membrane_tension
 *     (N/m), mean_prestress (Pa) (ns_skin_write_prestress)
 *   profile/depth[2*5], profile/<quantity>[2*5]      the same as a step function of depth
 *                                                    (top and bottom of each layer), for plots
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "needlesim/study.h"

/* Accessors for the per-layer quantities written as arrays. */
struct quantity {
  const char *name;
  const char *description;
  size_t offset; /* offsetof(struct ns_skin_layer, member) of a struct ns_sourced */
};

#define Q(member, desc) {#member, desc, offsetof(struct ns_skin_layer, member)}
static const struct quantity quantities[] = {
    Q(thickness, "layer thickness"),
    Q(youngs_modulus, "quasi-static (long-term) small-strain Young's modulus"),
    Q(poisson_ratio, "Poisson's ratio"),
    Q(shear_modulus, "long-term shear modulus E/(2(1+nu))"),
    Q(bulk_modulus, "bulk modulus E/(3(1-2nu))"),
    Q(ogden_alpha, "one-term Ogden exponent"),
    Q(toughness, "critical energy release rate G_c"),
    Q(tensile_strength, "tensile strength (cohesive strength sigma_c)"),
    Q(friction_coefficient, "Coulomb friction coefficient against a stainless-steel needle"),
    Q(density, "mass density"),
};
#undef Q
enum { NQ = sizeof quantities / sizeof quantities[0] };

static const struct ns_sourced *qval(const struct ns_skin_layer *L, const struct quantity *q) {
  return (const struct ns_sourced *)((const char *)L + q->offset);
}

static enum ns_status write_layers(struct ns_run_ctx *ctx, const char *base, struct ns_err *err) {
  const struct ns_skin *s = ctx->skin;
  struct ns_writer *w = ctx->writer;
  char path[256];
  size_t n = NS_NLAYERS;
  const char *names[NS_NLAYERS];
  double top[NS_NLAYERS], bot[NS_NLAYERS];
  for (int l = 0; l < NS_NLAYERS; l++) {
    names[l] = s->layer[l].name;
    top[l] = s->layer[l].top;
    bot[l] = s->layer[l].bottom;
  }
  snprintf(path, sizeof path, "%s/layer_name", base);
  NS_TRY(ns_writer_strings(w, path, n, names, "layer names, top down", err));
  snprintf(path, sizeof path, "%s/top_depth", base);
  NS_TRY(ns_writer_dataset(w, path, 1, &n, top, "m", "depth of the layer's top below the undeformed surface", err));
  snprintf(path, sizeof path, "%s/bottom_depth", base);
  NS_TRY(ns_writer_dataset(w, path, 1, &n, bot, "m", "depth of the layer's bottom below the undeformed surface", err));

  for (int q = 0; q < NQ; q++) {
    double v[NS_NLAYERS];
    const char *src[NS_NLAYERS];
    for (int l = 0; l < NS_NLAYERS; l++) {
      v[l] = qval(&s->layer[l], &quantities[q])->value;
      src[l] = qval(&s->layer[l], &quantities[q])->source;
    }
    const char *unit = qval(&s->layer[0], &quantities[q])->unit;
    snprintf(path, sizeof path, "%s/%s", base, quantities[q].name);
    NS_TRY(ns_writer_dataset(w, path, 1, &n, v, unit, quantities[q].description, err));
    snprintf(path, sizeof path, "%s/sources/%s", base, quantities[q].name);
    NS_TRY(ns_writer_strings(w, path, n, src, "literature source of each layer's value", err));
  }

  /* Prony series: [layer][term], NaN where a layer has fewer terms. */
  double g[NS_NLAYERS * NS_MAX_PRONY], tau[NS_NLAYERS * NS_MAX_PRONY];
  const char *gsrc[NS_NLAYERS * NS_MAX_PRONY], *tsrc[NS_NLAYERS * NS_MAX_PRONY];
  for (int l = 0; l < NS_NLAYERS; l++)
    for (int k = 0; k < NS_MAX_PRONY; k++) {
      int used = k < s->layer[l].nprony;
      g[l * NS_MAX_PRONY + k] = used ? s->layer[l].prony_g[k].value : NAN;
      tau[l * NS_MAX_PRONY + k] = used ? s->layer[l].prony_tau[k].value : NAN;
      gsrc[l * NS_MAX_PRONY + k] = used ? s->layer[l].prony_g[k].source : "";
      tsrc[l * NS_MAX_PRONY + k] = used ? s->layer[l].prony_tau[k].source : "";
    }
  size_t dims[2] = {NS_NLAYERS, NS_MAX_PRONY};
  size_t nflat = NS_NLAYERS * NS_MAX_PRONY;
  snprintf(path, sizeof path, "%s/prony_g", base);
  NS_TRY(ns_writer_dataset(w, path, 2, dims, g, "1", "Prony relative moduli g_i [layer][term]; NaN = unused term", err));
  snprintf(path, sizeof path, "%s/prony_tau", base);
  NS_TRY(ns_writer_dataset(w, path, 2, dims, tau, "s", "Prony relaxation times tau_i [layer][term]; NaN = unused term", err));
  snprintf(path, sizeof path, "%s/sources/prony_g", base);
  NS_TRY(ns_writer_strings(w, path, nflat, gsrc, "sources of prony_g, flattened [layer][term]", err));
  snprintf(path, sizeof path, "%s/sources/prony_tau", base);
  NS_TRY(ns_writer_strings(w, path, nflat, tsrc, "sources of prony_tau, flattened [layer][term]", err));

  /* Vessel depths. */
  const struct {
    const char *name, *desc;
    const struct ns_sourced *v;
  } vessels[] = {
      {"capillary_loop_depth", "depth of the papillary capillary loops (pinpoint bleeding starts)", &s->capillary_loop_depth},
      {"superficial_plexus_depth", "depth of the superficial vascular plexus", &s->superficial_plexus_depth},
  };
  for (size_t i = 0; i < 2; i++) {
    snprintf(path, sizeof path, "%s/%s", base, vessels[i].name);
    NS_TRY(ns_writer_dataset(w, path, 0, NULL, &vessels[i].v->value, "m", vessels[i].desc, err));
    NS_TRY(ns_writer_attr_text(w, path, "source", vessels[i].v->source, err));
  }
  return NS_OK;
}

/* The same values as step functions of depth: two samples per layer (its top and bottom). */
static enum ns_status write_profile(struct ns_run_ctx *ctx, const char *base, struct ns_err *err) {
  const struct ns_skin *s = ctx->skin;
  size_t n = 2 * NS_NLAYERS;
  double depth[2 * NS_NLAYERS];
  int64_t layer[2 * NS_NLAYERS];
  for (int l = 0; l < NS_NLAYERS; l++) {
    depth[2 * l] = s->layer[l].top;
    depth[2 * l + 1] = s->layer[l].bottom;
    layer[2 * l] = layer[2 * l + 1] = l;
  }
  char path[256];
  snprintf(path, sizeof path, "%s/profile", base);
  NS_TRY(ns_writer_group(ctx->writer, path, "layer properties as step functions of depth (top and bottom of each layer)", err));
  snprintf(path, sizeof path, "%s/profile/depth", base);
  NS_TRY(ns_writer_dataset(ctx->writer, path, 1, &n, depth, "m", "depth below the undeformed surface", err));
  snprintf(path, sizeof path, "%s/profile/layer_index", base);
  NS_TRY(ns_writer_dataset_int(ctx->writer, path, 1, &n, layer, "1", "index into layer_name", err));
  for (int q = 0; q < NQ; q++) {
    double v[2 * NS_NLAYERS];
    for (int l = 0; l < NS_NLAYERS; l++) v[2 * l] = v[2 * l + 1] = qval(&s->layer[l], &quantities[q])->value;
    snprintf(path, sizeof path, "%s/profile/%s", base, quantities[q].name);
    NS_TRY(ns_writer_dataset(ctx->writer, path, 1, &n, v, qval(&s->layer[0], &quantities[q])->unit,
                             quantities[q].description, err));
  }
  return NS_OK;
}

static enum ns_status summary_columns(struct ns_run_ctx *ctx, struct ns_err *err) {
  const struct ns_skin *s = ctx->skin;
  struct ns_table *t = ctx->summary;
  size_t r = ctx->row;
  char name[NS_COL_NAME_MAX], desc[160];
  for (int l = 0; l < NS_NLAYERS; l++) {
    snprintf(name, sizeof name, "%s_um", s->layer[l].name);
    snprintf(desc, sizeof desc, "%s thickness", s->layer[l].name);
    NS_TRY(ns_table_add_column(t, name, NS_COL_DOUBLE, "um", desc, err));
    NS_TRY(ns_table_set_double(t, r, name, s->layer[l].thickness.value * 1e6, err));
  }
  const struct {
    const char *name, *desc;
    double v;
  } cols[] = {
      {"dermis_depth_um", "depth of the dermal-epidermal junction (top of the papillary dermis)",
       s->layer[NS_LAYER_PAPILLARY_DERMIS].top * 1e6},
      {"capillary_loop_depth_um", "depth of the papillary capillary loops", s->capillary_loop_depth.value * 1e6},
      {"superficial_plexus_depth_um", "depth of the superficial vascular plexus", s->superficial_plexus_depth.value * 1e6},
  };
  for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
    NS_TRY(ns_table_add_column(t, cols[i].name, NS_COL_DOUBLE, "um", cols[i].desc, err));
    NS_TRY(ns_table_set_double(t, r, cols[i].name, cols[i].v, err));
  }
  return NS_OK;
}

enum ns_status ns_study_profile(struct ns_run_ctx *ctx, struct ns_err *err) {
  char base[64];
  snprintf(base, sizeof base, "%s/skin", ctx->group);
  NS_TRY(ns_writer_group(ctx->writer, base, "resolved layered skin model (values with literature sources)", err));
  NS_TRY(ns_writer_attr_double(ctx->writer, base, "age", ctx->skin->age_years, "year", err));
  NS_TRY(ns_writer_attr_text(ctx->writer, base, "site", ns_site_name(ctx->skin->site), err));
  NS_TRY(ns_writer_attr_double(ctx->writer, base, "hydration", ctx->skin->hydration, "1", err));
  NS_TRY(write_layers(ctx, base, err));
  if (ctx->skin->layer[0].prestretch.value != 1.0) NS_TRY(ns_skin_write_prestress(ctx->skin, ctx->writer, base, err));
  if (ctx->progress) ctx->progress(ctx->progress_arg, 0.5);
  if (ctx->cancel && *ctx->cancel) return ns_err_set(err, NS_EINTERRUPTED, "interrupted");
  NS_TRY(write_profile(ctx, base, err));
  NS_TRY(summary_columns(ctx, err));
  if (ctx->progress) ctx->progress(ctx->progress_arg, 1.0);
  return NS_OK;
}
