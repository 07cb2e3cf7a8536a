/* needlesim/tensor3.h — 3x3 matrix helpers shared by the material, mechanics and damage kernels.
 *
 * Matrices are row-major double[9] (F[3*i+J]). Header-only (static inline) so the kernels keep
 * them in registers.
 *   ns_det3   determinant
 *   ns_cof3   cofactor matrix cof F = det(F) F^{-T}
 */
#ifndef NEEDLESIM_TENSOR3_H
#define NEEDLESIM_TENSOR3_H

static inline double ns_det3(const double F[9]) {
  return F[0] * (F[4] * F[8] - F[5] * F[7]) - F[1] * (F[3] * F[8] - F[5] * F[6]) +
         F[2] * (F[3] * F[7] - F[4] * F[6]);
}

static inline void ns_cof3(const double F[9], double C[9]) {
  C[0] = F[4] * F[8] - F[5] * F[7];
  C[1] = F[5] * F[6] - F[3] * F[8];
  C[2] = F[3] * F[7] - F[4] * F[6];
  C[3] = F[2] * F[7] - F[1] * F[8];
  C[4] = F[0] * F[8] - F[2] * F[6];
  C[5] = F[1] * F[6] - F[0] * F[7];
  C[6] = F[1] * F[5] - F[2] * F[4];
  C[7] = F[2] * F[3] - F[0] * F[5];
  C[8] = F[0] * F[4] - F[1] * F[3];
}

#endif /* NEEDLESIM_TENSOR3_H */
