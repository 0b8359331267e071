package io.batchwise.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input: exit code 2 and a message naming the problem, never a stack trace. */
class TrainMainTest {
  @TempDir Path dir;

  private record Outcome(int code, String out, String err) {}

  private static Outcome run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = TrainMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  private static void assertUsage(Outcome o, String... fragments) {
    assertEquals(TrainMain.USAGE, o.code(), "exit code 2; stderr: " + o.err());
    for (String f : fragments) {
      assertTrue(o.err().contains(f), "stderr names '" + f + "': " + o.err());
    }
    assertFalse(o.err().contains("\tat "), "no stack trace: " + o.err());
  }

  @Test
  void helpListsEveryOptionWithItsDefault() {
    Outcome o = run("--help");
    assertEquals(0, o.code());
    for (String name : TrainOptions.names()) {
      assertTrue(o.out().contains(name), "help mentions " + name);
    }
    assertTrue(o.out().contains("--model NAME"));
    assertTrue(o.out().contains("[default: lenet-bn]"));
    assertTrue(o.out().contains("[default: 64]"));
    assertTrue(o.out().contains("[default: warmup:0.1+cosine]"));
    assertTrue(o.out().contains("lenet-bn, resnet20"), "valid models listed");
    assertEquals(0, run("-h").code());
  }

  @Test
  void unknownOption() {
    assertUsage(run("--epoch", "3"), "unknown option '--epoch'", "did you mean --epochs?");
    assertUsage(run("stray"), "unexpected argument 'stray'");
  }

  @Test
  void unknownModelAndNormListTheValidOnes() {
    assertUsage(run("--model", "vgg"), "unknown model 'vgg'", "lenet-bn", "resnet20");
    assertUsage(run("--norm", "batchnorm"), "unknown norm 'batchnorm'", "bn", "none");
  }

  @Test
  void missingDataDirectorySaysHowToInstall() {
    Path missing = dir.resolve("no-such-dir");
    assertUsage(run("--data-dir", missing.toString()), missing.toString(), "./batchwise setup",
        "dataset-fashion-mnist");
  }

  @Test
  void batchOfOneWithBatchNorm() {
    assertUsage(run("--batch-size", "1", "--data", "synthetic"), "batch size 1", "norm 'bn'",
        "at least 2 samples");
  }

  @Test
  void nonNumericAndMissingValues() {
    assertUsage(run("--epochs", "two"), "--epochs needs an integer, got 'two'");
    assertUsage(run("--lr=abc"), "--lr needs a finite number, got 'abc'");
    assertUsage(run("--lr", "NaN"), "--lr needs a finite number");
    assertUsage(run("--seed", "4.5"), "--seed needs an integer");
    assertUsage(run("--batch-size"), "option --batch-size needs a value");
    assertUsage(run("--nesterov=yes"), "--nesterov takes no value");
  }

  @Test
  void valuesOutOfRange() {
    assertUsage(run("--epochs", "0"), "epochs must be >= 1, got 0");
    assertUsage(run("--momentum", "1.5"), "momentum must be in [0, 1), got 1.5");
    assertUsage(run("--data", "mnist"), "unknown data set 'mnist'");
    assertUsage(run("--lr", "-0.1"), "learning rate must be finite and > 0");
  }

  @Test
  void moreThanOneWorkerWaitsForTheSparkJob() {
    assertUsage(run("--workers", "2"), "the single-JVM trainer runs one worker");
  }

  @Test
  void badScheduleAndDevice() {
    assertUsage(run("--data", "synthetic", "--synthetic-train", "256", "--lr-schedule", "linear"),
        "--lr-schedule", "unknown schedule 'linear'");
    assertUsage(run("--data", "synthetic", "--synthetic-train", "256", "--device", "tpu",
        "--run-dir", dir.resolve("r").toString()), "tpu");
    assertUsage(run("--data", "synthetic", "--synthetic-train", "10", "--batch-size", "64"),
        "fewer than one batch of 64");
  }
}
