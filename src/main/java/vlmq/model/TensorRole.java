package vlmq.model;

/**
 * One stored tensor's place in the model.
 *
 * @param name the tensor's name in the checkpoint
 * @param module the owning module: the name without its last segment (the parameter name), "" for a top-level
 *     parameter; quantization parameters ({@code weight_scale}, {@code k_scale}, …) share their module's name
 * @param elements stored elements (the product of the shape; packed quantized weights count packed elements)
 */
public record TensorRole(String name, Component component, TensorKind kind, String module, long elements) {}
