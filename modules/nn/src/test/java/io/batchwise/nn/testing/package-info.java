/** Test fixtures of the nn module: finite-difference gradient checks and devices for tests. */
package io.batchwise.nn.testing;
