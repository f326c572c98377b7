//! `field.wgsl` against arkworks on the test adapter: Fr and Fq multiplication, addition and
//! subtraction on edge values and random ones, every pair rotated against each other.

use zkaccel_backends::conformance::report_skip;
use zkaccel_webgpu::selftest::{check_field, sample_values};
use zkaccel_webgpu::shaders::Program;
use zkaccel_webgpu::testing::shared_test_context;

#[test]
fn fr_arithmetic_matches_arkworks() {
    let ctx = match shared_test_context() {
        Ok(ctx) => ctx,
        Err(reason) => return report_skip("fr_arithmetic_matches_arkworks", &reason),
    };
    check_field::<ark_bn254::Fr>(&ctx, Program::FieldTestFr, &sample_values(200, 11)).unwrap();
}

#[test]
fn fq_arithmetic_matches_arkworks() {
    let ctx = match shared_test_context() {
        Ok(ctx) => ctx,
        Err(reason) => return report_skip("fq_arithmetic_matches_arkworks", &reason),
    };
    check_field::<ark_bn254::Fq>(&ctx, Program::FieldTestFq, &sample_values(200, 12)).unwrap();
}

#[test]
fn the_startup_self_test_passes() {
    let ctx = match shared_test_context() {
        Ok(ctx) => ctx,
        Err(reason) => return report_skip("the_startup_self_test_passes", &reason),
    };
    zkaccel_webgpu::selftest::run(&ctx).unwrap();
}
