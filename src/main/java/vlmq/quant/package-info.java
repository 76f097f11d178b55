/**
 * Data-free weight quantization that reproduces llm-compressor + compressed-tensors 0.18 byte for byte
 * ({@link vlmq.quant.WeightQuantizer}; layouts in {@link vlmq.format.compressedtensors.LinearLayout}).
 *
 * <p>What "byte-identical" is measured against: {@code tools/ct_reference.py}, which runs compressed-tensors'
 * weight path (observer min/max → {@code calculate_qparams}/{@code generate_gparam} → parameters in the model
 * dtype → compressor) with the same torch ops on CPU. {@code ReferenceVectorsTest} compares the SHA-256 of every
 * output tensor for seeded random tensors with the hard cases and for every Linear of the family fixtures.
 *
 * <p>Source dtypes. compressed-tensors computes in the weight's dtype, so the model dtype changes the numbers:
 * <ul>
 *   <li>BF16 (the normal case): scales are bf16, {@code x / s} is rounded to bf16 before the INT/FP8/MX rounding.
 *   <li>F16: the same steps rounded to binary16 instead; scales are stored as F16 and zero scales become 2^-10.
 *       MX scales below 2^-24 underflow to 0 in f16 and become 1.0 (the uint8 scale dtype's eps), as upstream.
 *   <li>F32: no intermediate rounding; F32 scales, eps 2^-23. On CUDA, torch computes an f32 tensor divided by a
 *       Python scalar (the scale step {@code amax / 448}, {@code / 127.5}, …) as a multiply by the f32 reciprocal,
 *       so an F32 model quantized by llm-compressor on a GPU can differ by one ulp in some scales; the bytes here
 *       are those of a CPU run (true division). BF16 and F16 are unaffected (verified upstream, spec §3.4).
 * </ul>
 *
 * <p>Edge cases kept as upstream: all-zero units get the scale dtype's eps (2^-7 bf16, 0.125 for NVFP4's FP8
 * scales, 1.0 for MX); an all-zero tensor's NVFP4 global scale is 1.0; the asymmetric zero point of an all-zero
 * unit is 0 (torch casts the 0/0 NaN to 0); an MX group whose absmax rounds to an infinite power of two
 * (≥ 1.75·2^127) stores scale byte 0x7F, torch's x86 int32 cast of infinity; negative values that round to zero keep
 * their sign (FP8 0x80, FP4 nibble 8) while an exact -0.0 input is stored as +0 (the zero-point add).
 *
 * <p>Only weight-side tensors are produced: FP8's static {@code input_scale} and NVFP4's {@code input_global_scale}
 * need calibration data ({@link vlmq.recipe.Preset#needsCalibration()}).
 */
package vlmq.quant;
