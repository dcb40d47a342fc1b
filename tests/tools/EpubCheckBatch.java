// Runs EPUBCheck on several EPUBs in one Java process: starting the JVM and loading
// EPUBCheck's schemas takes most of its 7-12 s a file. Each book's messages are
// followed by a line "=== <exit code> <file>".
import com.adobe.epubcheck.tool.EpubChecker;

public class EpubCheckBatch {
    public static void main(String[] args) {
        for (String file : args) {
            int code = new EpubChecker().run(new String[] {"--quiet", file});
            System.out.flush();
            System.err.flush();
            System.out.println("=== " + code + " " + file);
            System.out.flush();
        }
    }
}
