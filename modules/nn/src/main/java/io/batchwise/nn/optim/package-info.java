/**
 * Optimizers: {@link io.batchwise.nn.optim.Sgd}, stochastic gradient descent with momentum in
 * PyTorch's form ({@code v = μ·v + g}, not {@code v = μ·v + lr·g}), optional Nesterov momentum and
 * decoupled-from-norm weight decay. The learning rate is an argument of every step so that a
 * {@link io.batchwise.nn.schedule.LearningRateSchedule} can drive it.
 */
package io.batchwise.nn.optim;
