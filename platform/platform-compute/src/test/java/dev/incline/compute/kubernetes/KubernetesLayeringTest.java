package dev.incline.compute.kubernetes;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** Manifests, decorators and the status mapping are pure functions: only the runtime talks to a cluster. */
@AnalyzeClasses(packages = "dev.incline.compute.kubernetes", importOptions = ImportOption.DoNotIncludeTests.class)
class KubernetesLayeringTest {

  @ArchTest
  static final ArchRule specsNeverCallTheCluster = noClasses()
      .that().haveSimpleNameEndingWith("Manifest")
      .or().haveSimpleNameStartingWith("PodDecorator")
      .or().haveSimpleName("JobStatusMapper")
      .or().haveSimpleName("KubernetesResources")
      .should().dependOnClassesThat().resideInAPackage("io.fabric8.kubernetes.client..");
}
