// Needs the prebuilt VM the prebuilt-vm module makes with -Datomvm.source=<dir> (or -Prelease).
// The reason goes to the console itself (the invoker captures System.out into build.log).
def made = new File(prebuiltVmDirectory).listFiles()?.find { it.name ==~ /prebuilt-vm-.*-atomvm-.*\.zip/ }
if (!made) {
  def console = new PrintStream(new FileOutputStream(FileDescriptor.out), true)
  console.println "[INFO] SKIPPED ${basedir.name}: no prebuilt VM was built (needs -Datomvm.source=<AtomVM checkout> or -Prelease)"
  return false
}
return true
