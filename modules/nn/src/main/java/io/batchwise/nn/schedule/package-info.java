/**
 * Learning-rate schedules: a {@link io.batchwise.nn.schedule.LearningRateSchedule} maps the global
 * step (0-based, counted over the whole run, one step per optimizer update) to a learning rate.
 * {@link io.batchwise.nn.schedule.ScheduleParser} builds one from the command-line syntax
 * documented there. Schedules are pure functions of the step, so a resumed run continues exactly
 * where the checkpoint left off.
 */
package io.batchwise.nn.schedule;
