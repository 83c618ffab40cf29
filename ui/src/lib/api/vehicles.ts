import { call } from './ipc';
import type { VehicleFilter, VehicleInput, VehiclePage, VehicleView, VinReport } from './bindings';

export function listVehicles(filter: VehicleFilter): Promise<VehiclePage> {
  return call('list_vehicles', { filter });
}

export function getVehicle(id: string): Promise<VehicleView> {
  return call('get_vehicle', { id });
}

export function addVehicle(input: VehicleInput): Promise<VehicleView> {
  return call('add_vehicle', { input });
}

export function updateVehicle(id: string, input: VehicleInput): Promise<VehicleView> {
  return call('update_vehicle', { id, input });
}

/** Decodes a VIN (year, manufacturer, check digit) for live feedback; nothing is stored. */
export function checkVin(vin: string): Promise<VinReport> {
  return call('check_vin', { vin });
}
