# frozen_string_literal: true

require "rspec/core/rake_task"

RSpec::Core::RakeTask.new(:spec) { |t| t.rspec_opts = "--format progress" }
task spec: :compile

namespace :spec do
  desc "The suite under GC.verify_compaction_references, compacting after every example"
  task gc_verify: :compile do
    sh({ "M2_TEST_GC" => "verify" }, "bundle exec rspec --format progress")
  end

  desc "The concurrency specs (tagged :gc_stress) under GC.stress; takes minutes"
  task gc_stress: :compile do
    sh({ "M2_TEST_GC" => "stress" }, "bundle exec rspec --format progress --tag gc_stress")
  end
end
