package dev.incline.compute.kubernetes;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** Manifests, decorators and the status mappings are pure functions: only the runtime and KubernetesServing talk to a cluster. */
@AnalyzeClasses(packages = "dev.incline.compute.kubernetes", importOptions = ImportOption.DoNotIncludeTests.class)
class KubernetesLayeringTest {

  @ArchTest
  static final ArchRule specsNeverCallTheCluster = noClasses()
      .that().haveSimpleNameEndingWith("Manifest")
      .or().haveSimpleNameStartingWith("PodDecorator")
      .or().haveSimpleName("PodResources")
      .or().haveSimpleName("JobStatusMapper")
      .or().haveSimpleName("NotebookStatusMapper")
      .or().haveSimpleName("KubernetesResources")
      .should().dependOnClassesThat().resideInAPackage("io.fabric8.kubernetes.client..");

  @ArchTest
  static final ArchRule servingSpecsNeverCallTheCluster = noClasses()
      .that().resideInAPackage("dev.incline.compute.kubernetes.serving..")
      .and().doNotHaveSimpleName("KubernetesServing")
      .and().doNotHaveSimpleName("Applied")
      .should().dependOnClassesThat().resideInAPackage("io.fabric8.kubernetes.client..");
}
