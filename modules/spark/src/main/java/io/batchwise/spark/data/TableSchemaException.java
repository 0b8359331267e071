package io.batchwise.spark.data;

/**
 * A table that cannot be training data: a missing column, a column of the wrong type, or a row
 * with a bad value. The message names the table, the column and, for a value, the row.
 */
public final class TableSchemaException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public TableSchemaException(String message) {
    super(message);
  }
}
