/**
 * The networks Batchwise trains, built from {@link io.batchwise.nn.layers} with the normalization
 * layer supplied by a {@link io.batchwise.nn.norm.NormFactory}. All take 1×28×28 input
 * (Fashion-MNIST) and produce 10 logits.
 */
package io.batchwise.nn.models;
