package dev.incline.compute;

/** Human reasons for exit codes, the same whatever runtime saw them. */
public final class ExitCodes {

  private ExitCodes() {}

  /**
   * "exited with code 3"; "killed by SIGTERM (exit code 143)" for the shell's 128+signal codes; and
   * the shell's meaning of 126 and 127, which is what a mistyped command ends with.
   */
  public static String describe(int code) {
    if (code == 126) {
      return "exited with code 126 (command not executable)";
    }
    if (code == 127) {
      return "exited with code 127 (command not found)";
    }
    if (code > 128 && code < 160) {
      int signal = code - 128;
      String name = switch (signal) {
        case 9 -> "SIGKILL";
        case 15 -> "SIGTERM";
        case 6 -> "SIGABRT";
        case 11 -> "SIGSEGV";
        case 2 -> "SIGINT";
        default -> "signal " + signal;
      };
      return "killed by " + name + " (exit code " + code + ")";
    }
    return "exited with code " + code;
  }
}
