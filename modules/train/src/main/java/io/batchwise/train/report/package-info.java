/**
 * Reports of a training run: PNG charts and plain-text tables, with no dependency beyond the JDK.
 *
 * <p>{@link io.batchwise.train.report.LineChart} draws named series (optionally on a log-scaled x
 * axis) and {@link io.batchwise.train.report.BarChart} grouped bars, both into a
 * {@link java.awt.image.BufferedImage} written with {@link javax.imageio.ImageIO}. Axis ticks use
 * Heckbert's "nice numbers" (1, 2 or 5 times a power of ten; P. Heckbert, <i>Nice Numbers for
 * Graph Labels</i>, Graphics Gems, 1990), see {@link io.batchwise.train.report.AxisTicks}.
 * {@link io.batchwise.train.report.TextTable} renders aligned plain-text tables;
 * {@link io.batchwise.train.report.RunReport} ties them to a run folder: {@code loss.png},
 * {@code accuracy.png} from {@code metrics.csv} and the closing summary table of the epochs.
 *
 * <p>Rendering runs headless ({@code java.awt.headless=true} is set before the first AWT class
 * loads), so it works on servers and Spark drivers without a display. Bad input (no series, an
 * empty series, NaN or infinite values, non-positive x on a log axis) is refused with an
 * {@link java.lang.IllegalArgumentException} whose message names the series and the point.
 */
package io.batchwise.train.report;
