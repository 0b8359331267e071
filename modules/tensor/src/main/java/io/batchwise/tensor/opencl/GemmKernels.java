package io.batchwise.tensor.opencl;

import com.aparapi.Range;
import com.aparapi.opencl.OpenCL;

/**
 * The GEMM kernels of {@code gemm.cl}, bound through Aparapi's OpenCL interface mechanism. Method
 * names are kernel names and parameters follow the kernel's parameter order. Every kernel takes
 * the device's single float arena {@code F}: Aparapi re-pins an argument whenever a different Java
 * array is passed in it (leaking a JNI critical section), so one binding must always see the same
 * array.
 */
@OpenCL.Resource("io/batchwise/tensor/opencl/gemm.cl")
interface GemmKernels extends OpenCL<GemmKernels> {

  // v1, v2: generic kernels, transposes as runtime flags (0/1).
  GemmKernels gemm_v1(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m, @Arg("n") int n,
      @Arg("k") int k, @Arg("ta") int ta, @Arg("tb") int tb, @Arg("aOff") int aOff,
      @Arg("bOff") int bOff, @Arg("cOff") int cOff, @Arg("alpha") float alpha,
      @Arg("beta") float beta);

  GemmKernels gemm_v2(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m, @Arg("n") int n,
      @Arg("k") int k, @Arg("ta") int ta, @Arg("tb") int tb, @Arg("aOff") int aOff,
      @Arg("bOff") int bOff, @Arg("cOff") int cOff, @Arg("alpha") float alpha,
      @Arg("beta") float beta);

  // Layout-specific tiled kernels: (F, m, n, k, tilesM, tilesN, aOff, bOff, cOff, alpha, beta).
  GemmKernels gemm_v3_nn(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_v3_tn(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_v3_nt(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_v3_tt(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_v4_nn(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_v4_tn(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_v4_nt(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_v4_tt(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_v6_nn(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_v6_tn(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_v6_nt(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_v6_tt(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_v7_nn(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_v7_tn(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_v7_nt(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_v7_tt(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_v9_nn(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_v9_tn(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_v9_nt(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_v9_tt(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_d4_nt(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);

  GemmKernels gemm_v8_nt(Range r, @GlobalReadWrite("F") float[] f, @Arg("m") int m,
      @Arg("n") int n, @Arg("k") int k, @Arg("tilesM") int tilesM, @Arg("tilesN") int tilesN,
      @Arg("aOff") int aOff, @Arg("bOff") int bOff, @Arg("cOff") int cOff,
      @Arg("alpha") float alpha, @Arg("beta") float beta);
}
