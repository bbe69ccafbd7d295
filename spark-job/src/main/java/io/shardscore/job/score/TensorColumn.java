package io.shardscore.job.score;

import java.io.Serializable;

/**
 * An output tensor written whole to a column of its own ({@code array<float>}, e.g. an embedding):
 * {@code width} values from {@code offset} of each output row.
 */
public record TensorColumn(String tensor, String column, int offset, int width)
    implements Serializable {}
