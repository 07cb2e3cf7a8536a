/* names.c — names of sites and layers as they appear in scenario files and outputs. */
#include "needlesim/skin.h"

static const char *const site_names[NS_NSITES] = {"face", "forearm", "abdomen", "thigh", "back"};
static const char *const layer_names[NS_NLAYERS] = {"stratum_corneum", "epidermis", "papillary_dermis",
                                                    "reticular_dermis", "hypodermis"};

const char *ns_site_name(enum ns_site s) { return (unsigned)s < NS_NSITES ? site_names[s] : NULL; }
const char *ns_layer_name(enum ns_layer_id l) { return (unsigned)l < NS_NLAYERS ? layer_names[l] : NULL; }
