# frozen_string_literal: true

require "rspec/core/rake_task"

# spec/integration (ActiveRecord and Sequel) is left out of `rake spec` and of a plain `rspec` run (.rspec excludes
# it); `rake spec:integration` runs it, and so does script/test after `rake spec`.
INTEGRATION_SPECS = "spec/integration/**/*_spec.rb"

RSpec::Core::RakeTask.new(:spec) do |t|
  t.rspec_opts = "--format progress"
  t.exclude_pattern = INTEGRATION_SPECS
end
task spec: :compile

namespace :spec do
  desc "ActiveRecord's mysql2 adapter and Sequel's mysql2:// adapter on this gem (spec/integration)"
  RSpec::Core::RakeTask.new(:integration) do |t|
    # The files by name: .rspec's --exclude-pattern applies to directories and patterns, not to named files.
    t.pattern = FileList[INTEGRATION_SPECS]
    t.rspec_opts = "--format progress"
  end
  task integration: :compile

  desc "The suite under GC.verify_compaction_references, compacting after every example"
  task gc_verify: :compile do
    sh({ "M2_TEST_GC" => "verify" }, "bundle exec rspec --format progress")
  end

  desc "The concurrency specs (tagged :gc_stress) under GC.stress; takes minutes"
  task gc_stress: :compile do
    sh({ "M2_TEST_GC" => "stress" }, "bundle exec rspec --format progress --tag gc_stress")
  end
end
