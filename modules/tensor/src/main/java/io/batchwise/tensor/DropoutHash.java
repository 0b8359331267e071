package io.batchwise.tensor;

/**
 * The counter-based hash behind {@link Ops#dropoutMask}: every device computes the identical mask
 * for the same seed, so a run on the Java fallback reproduces a run on OpenCL bit for bit.
 *
 * <p>Definition, in 32-bit two's-complement integer arithmetic (multiplications wrap; {@code >>>}
 * is an unsigned shift, {@code (uint) x >> s} in OpenCL C):
 * <pre>
 *   lo = (int) seed;  hi = (int) (seed >>> 32)
 *   h  = fmix((index * 0x9E3779B9) ^ lo ^ 0x5BD1E995)
 *   h  = fmix(h ^ hi)
 *   fmix(h): h ^= h >>> 16; h *= 0x85EBCA6B; h ^= h >>> 13; h *= 0xC2B2AE35; h ^= h >>> 16
 *   u  = (h >>> 8) · 2^-24            (a float in [0, 1), exact: 24 bits)
 *   mask[index] = u &lt; keep ? 1/keep : 0
 * </pre>
 * {@code fmix} is MurmurHash3's 32-bit finalizer (a bijection with full avalanche); the index is
 * spread by the golden-ratio constant before it, the constant 0x5BD1E995 keeps (seed 0, index 0)
 * away from the fixed point fmix(0) = 0, and each half of the seed enters before one
 * finalizer, so neighbouring indices and neighbouring seeds give unrelated values.
 *
 * <p>OpenCL C form: {@code uint h = fmix(((uint) index * 0x9E3779B9u) ^ lo ^ 0x5BD1E995u); h = fmix(h ^ hi);
 * float u = (float) (h >> 8) * 5.9604645e-8f;}
 */
public final class DropoutHash {
  /** 2^-24: maps the top 24 bits of the hash onto [0, 1). */
  public static final float UNIT = 0x1.0p-24f;

  private DropoutHash() {
  }

  /** The 32-bit hash of (seed, index) defined above. */
  public static int hash(long seed, int index) {
    int lo = (int) seed;
    int hi = (int) (seed >>> 32);
    int h = fmix((index * 0x9E3779B9) ^ lo ^ 0x5BD1E995);
    return fmix(h ^ hi);
  }

  /** MurmurHash3's 32-bit finalizer. */
  public static int fmix(int h) {
    h ^= h >>> 16;
    h *= 0x85EBCA6B;
    h ^= h >>> 13;
    h *= 0xC2B2AE35;
    h ^= h >>> 16;
    return h;
  }

  /** The uniform variate u in [0, 1) for (seed, index): {@code (hash >>> 8) · 2^-24}. */
  public static float uniform(long seed, int index) {
    return (hash(seed, index) >>> 8) * UNIT;
  }

  /** Whether element {@code index} is kept at keep probability {@code keep}. */
  public static boolean keep(long seed, int index, float keep) {
    return uniform(seed, index) < keep;
  }
}
